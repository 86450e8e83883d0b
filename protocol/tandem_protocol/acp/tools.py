"""ACP tool calls as the client sees them: records upserted by `tool_call` and `tool_call_update`."""

from __future__ import annotations

from typing import Any, Literal, Union

import msgspec

from .._base import UNSET, Annotated, D, Meta_, UnsetType, Wire
from .content import ContentBlock

ToolKind = Literal["read", "edit", "delete", "move", "search", "execute", "think", "fetch", "switch_mode", "other"]
ToolCallStatus = Literal["pending", "in_progress", "completed", "failed"]


class ContentToolCallContent(Wire, tag_field="type", tag="content"):
    """Ordinary content produced by a tool (its output)."""

    content: Annotated[ContentBlock, D("The content block.")]


class DiffToolCallContent(Wire, tag_field="type", tag="diff"):
    """A whole-file diff proposed or made by a tool."""

    path: Annotated[str, D("Absolute path of the file.")]
    new_text: Annotated[str, D("The file's text after the change.")]
    old_text: Annotated[str | None | UnsetType, D("The file's text before; null for a new file.")] = UNSET
    meta: Meta_ = msgspec.field(default=UNSET, name="_meta")


class TerminalToolCallContent(Wire, tag_field="type", tag="terminal"):
    """A terminal created through the client's `terminal/create`."""

    terminal_id: Annotated[str, D("The client's terminal id.")]


ToolCallContent = Union[ContentToolCallContent, DiffToolCallContent, TerminalToolCallContent]


class ToolCallLocation(Wire):
    """A file (and line) a tool call touches, so clients can follow along."""

    path: Annotated[str, D("Absolute path.")]
    line: Annotated[int | None | UnsetType, D("Line number (1-based) if known.")] = UNSET


class ToolCallFields(Wire):
    """The fields of a tool call record (all optional but the id, as in `tool_call_update`)."""

    tool_call_id: Annotated[str, D("Unique within the session.")]
    title: Annotated[str | None | UnsetType, D("Human-readable summary of what the tool does.")] = UNSET
    name: Annotated[str | None | UnsetType, D("The tool's programmatic name (Read, Bash, ...).")] = UNSET
    kind: Annotated[ToolKind | None | UnsetType, D("Category, for icons.")] = UNSET
    status: Annotated[ToolCallStatus | None | UnsetType, D("Execution status.")] = UNSET
    content: Annotated[list[ToolCallContent] | None | UnsetType, D("Replaces the content list.")] = UNSET
    locations: Annotated[list[ToolCallLocation] | None | UnsetType, D("Files touched.")] = UNSET
    raw_input: Annotated[Any | UnsetType, D("The input the model gave.")] = UNSET
    raw_output: Annotated[Any | UnsetType, D("The raw result.")] = UNSET
    meta: Meta_ = msgspec.field(default=UNSET, name="_meta")


PlanEntryStatus = Literal["pending", "in_progress", "completed"]
PlanEntryPriority = Literal["high", "medium", "low"]


class PlanEntry(Wire):
    """One task of the agent's plan (a TodoWrite item)."""

    content: Annotated[str, D("What the task is.")]
    priority: Annotated[PlanEntryPriority, D("Relative importance.")]
    status: Annotated[PlanEntryStatus, D("Progress.")]
    meta: Meta_ = msgspec.field(default=UNSET, name="_meta")


PermissionOptionKind = Literal["allow_once", "allow_always", "reject_once", "reject_always"]


class PermissionOption(Wire):
    """A choice offered to the user in `session/request_permission`."""

    option_id: Annotated[str, D("Returned in the answer.")]
    name: Annotated[str, D("Label shown to the user.")]
    kind: Annotated[PermissionOptionKind, D("What choosing it means.")]
    meta: Meta_ = msgspec.field(default=UNSET, name="_meta")


class RequestPermissionRequest(Wire):
    """Server to client: ask the user whether a tool call may run (edits carry a diff and hunks)."""

    session_id: Annotated[str, D("The session asking.")]
    tool_call: Annotated[ToolCallFields, D("The tool call in question, with its content (command, diff).")]
    options: Annotated[list[PermissionOption], D("The choices.")]
    meta: Meta_ = msgspec.field(default=UNSET, name="_meta")


class CancelledOutcome(Wire, tag_field="outcome", tag="cancelled"):
    """The turn was cancelled before the user answered."""


class SelectedOutcome(Wire, tag_field="outcome", tag="selected"):
    """The user picked an option."""

    option_id: Annotated[str, D("The chosen option's id.")]


class RequestPermissionResponse(Wire):
    """The user's answer; `_meta.tandem` may carry acceptedHunks, finalText and feedback."""

    outcome: Annotated[Union[CancelledOutcome, SelectedOutcome], D("The decision.")]
    meta: Meta_ = msgspec.field(default=UNSET, name="_meta")
