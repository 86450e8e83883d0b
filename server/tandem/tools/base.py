"""The Tool protocol, the context a tool runs in, and the result and errors it returns."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Protocol

import msgspec
from tandem_protocol import ToolCallContent, ToolCallLocation, ToolKind

from ..workspace import Workspace


class ToolError(Exception):
    """A tool failed in a way the model should be told about (bad path, no match, refused): never a crash."""


class ToolResult(msgspec.Struct, kw_only=True):
    """What a tool produced: `output` goes to the model, `content` (default: `output` as text) to the client."""

    output: str
    is_error: bool = False
    content: list[ToolCallContent] | None = None
    raw_output: Any = None
    title: str | None = None


class PermissionAsk(msgspec.Struct, kw_only=True):
    """What a tool wants to do, for the permission check (and, if asked, the user)."""

    tool: str  # Bash, Edit, Write, ...
    kind: ToolKind
    title: str
    subject: str  # what rules match on: the command for Bash, the absolute path for Edit/Write/Read
    content: list[ToolCallContent] = []
    meta: dict[str, Any] | None = None  # goes to toolCall._meta (hunks, for edits)


class Decision(msgspec.Struct, kw_only=True):
    """The outcome of a permission check."""

    allowed: bool
    reason: str = ""  # why, in words the model can act on, when refused
    feedback: str | None = None  # the user's note to the model
    extras: dict[str, Any] | None = None  # `_meta.tandem` of the answer (acceptedHunks, finalText)


class EditOutcome(msgspec.Struct, kw_only=True):
    """What became of a proposed file change, for the tool to tell the model exactly."""

    text: str | None = None  # the file's text afterwards, when anything was written
    accepted: list[str] = []  # hunk ids applied
    rejected: list[str] = []  # hunk ids the user turned down
    total: int = 0  # hunks proposed
    user_text: bool = False  # the user replaced the proposal with their own version
    feedback: str | None = None  # the user's note
    refused: str | None = None  # why nothing (more) was applied: denied, rejected, or stale
    stale: bool = False  # the file changed under the proposal where its hunks are: re-read it
    rejected_diff: str = ""  # the rejected hunks as a unified diff
    kept_user_edits: bool = False  # the proposal was moved over edits the user made meanwhile

    @property
    def applied(self) -> bool:
        return self.text is not None


class ToolContext(Protocol):
    """What a running tool can see and do. The session implements it; tests use a small fake."""

    workspace: Workspace
    session_id: str
    tool_call_id: str
    read_files: dict[str, str]  # absolute path -> text the agent last read (edits are anchored to it)

    async def authorize(self, ask: PermissionAsk) -> Decision:
        """Check the mode and rules; ask the user when they say so. Never raises for a refusal."""
        ...

    def progress(self, *, content: list[ToolCallContent] | None = None, title: str | None = None) -> None:
        """Stream a `tool_call_update` (partial output, a refreshed title)."""
        ...

    def set_plan(self, entries: list[Any]) -> None:
        """Publish the agent's plan (ACP `plan` update)."""
        ...

    async def write_text(self, path: Path, new_text: str, old_text: str | None) -> None:
        """Apply a file change the user allowed: through the editor when the file is open, atomically on disk otherwise."""
        ...

    async def propose_edit(self, tool: str, path: Path, old_text: str | None, new_text: str) -> EditOutcome:
        """Propose old_text -> new_text for review (per hunk), apply what the user accepts over their own later
        edits, and report. Edit tools call this; they never write themselves."""
        ...


class Tool(Protocol):
    """A tool the model can call. One file per tool under tandem/tools/."""

    name: ClassVar[str]
    kind: ClassVar[ToolKind]
    description: ClassVar[str]
    Input: ClassVar[type[msgspec.Struct]]
    mutates: ClassVar[bool]  # writes files or runs commands: withheld in plan mode

    def title(self, inp: Any) -> str: ...

    def locations(self, inp: Any, workspace: Workspace) -> list[ToolCallLocation]: ...

    async def run(self, inp: Any, ctx: ToolContext) -> ToolResult: ...


def input_schema(struct: type[msgspec.Struct]) -> dict[str, Any]:
    """The inline JSON Schema of a tool's input, as the Messages API wants it (no $ref)."""
    (schema,), components = msgspec.json.schema_components([struct], ref_template="#/$defs/{name}")
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    schema = _inline(schema, components)
    schema.pop("title", None)
    return schema


def _inline(node: Any, components: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        if "$ref" in node:
            return _inline(dict(components[node["$ref"].rsplit("/", 1)[1]]), components)
        return {k: _inline(v, components) for k, v in node.items() if k != "title"}
    if isinstance(node, list):
        return [_inline(v, components) for v in node]
    return node
