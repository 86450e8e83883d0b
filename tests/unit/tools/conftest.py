"""A fake ToolContext for the tool tests: records progress, plan and permission asks; writes to disk."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tandem_protocol import DiffToolCallContent

from tandem.tools.base import Decision, EditOutcome, PermissionAsk, ToolError, ToolResult
from tandem.workspace import Workspace


class FakeContext:
    """Implements ToolContext. `decision` scripts the answer to every permission ask."""

    def __init__(self, root: Path, decision: Decision | None = None) -> None:
        self.workspace = Workspace(root)
        self.session_id = "sess-1"
        self.tool_call_id = "call-1"
        self.read_files: dict[str, str] = {}
        self.decision = decision or Decision(allowed=True)
        self.asks: list[PermissionAsk] = []
        self.progress_updates: list[dict[str, Any]] = []
        self.plans: list[list[Any]] = []
        self.writes: list[tuple[Path, str, str | None]] = []

    async def authorize(self, ask: PermissionAsk) -> Decision:
        self.asks.append(ask)
        return self.decision

    async def propose_edit(self, tool: str, path: Path, old_text: str | None, new_text: str) -> EditOutcome:
        """The whole change as one permission ask (the session's per-hunk pipeline has its own tests)."""
        rel = self.workspace.relative(path)
        decision = await self.authorize(PermissionAsk(
            tool=tool, kind="edit", title=f"{tool} {rel}", subject=str(path),
            content=[DiffToolCallContent(path=str(path), old_text=old_text, new_text=new_text)]))
        if not decision.allowed:
            return EditOutcome(total=1, refused=decision.reason, feedback=decision.feedback, rejected=["h"])
        final = (decision.extras or {}).get("finalText")
        text = final if isinstance(final, str) else new_text
        await self.write_text(path, text, old_text)
        self.read_files[str(path)] = text
        return EditOutcome(text=text, accepted=["h"], total=1, user_text=isinstance(final, str),
                           feedback=decision.feedback)

    def progress(self, *, content: list[Any] | None = None, title: str | None = None) -> None:
        self.progress_updates.append({"content": content, "title": title})

    def set_plan(self, entries: list[Any]) -> None:
        self.plans.append(entries)

    async def write_text(self, path: Path, new_text: str, old_text: str | None) -> None:
        self.writes.append((path, new_text, old_text))
        # The real session goes through the editor for open files; here the "editor" takes it at once.
        if self.workspace.is_open(path):
            buf = self.workspace.buffer(path)
            self.workspace.update_buffer(path, new_text, buf.version + 1 if buf else 1)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(new_text)
        os.replace(tmp, path)

    @property
    def titles(self) -> list[str]:
        return [u["title"] for u in self.progress_updates if u["title"]]


@pytest.fixture
def ctx(tmp_path: Path) -> FakeContext:
    root = tmp_path / "ws"
    root.mkdir()
    return FakeContext(root)


@pytest.fixture
def root(ctx: FakeContext) -> Path:
    return ctx.workspace.root


async def call(tool: Any, ctx: FakeContext, **fields: Any) -> ToolResult:
    """Run a tool as the loop would: decode the input from JSON-ish fields, turn ToolError into an error result."""
    import msgspec

    inp = msgspec.convert(fields, tool.Input)
    try:
        return await tool.run(inp, ctx)
    except ToolError as e:
        return ToolResult(output=str(e), is_error=True)


@pytest.fixture
def run():
    return call
