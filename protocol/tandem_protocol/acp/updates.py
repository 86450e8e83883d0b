"""ACP `session/update` variants: everything the agent streams to the client during a session."""

from __future__ import annotations

from typing import Union

import msgspec

from .._base import UNSET, Annotated, D, Meta_, UnsetType, Wire
from .content import ContentBlock
from .session import AvailableCommand, SessionConfigOption
from .tools import PlanEntry, ToolCallContent, ToolCallFields, ToolCallLocation, ToolCallStatus, ToolKind


class _Chunk(Wire):
    content: Annotated[ContentBlock, D("The chunk's content.")]
    message_id: Annotated[str | None | UnsetType, D("Chunks of one message share it.")] = UNSET
    meta: Meta_ = msgspec.field(default=UNSET, name="_meta")


class UserMessageChunk(_Chunk, tag_field="sessionUpdate", tag="user_message_chunk"):
    """Part of the user's message (sent when a session is loaded)."""


class AgentMessageChunk(_Chunk, tag_field="sessionUpdate", tag="agent_message_chunk"):
    """Part of the agent's answer, streamed."""


class AgentThoughtChunk(_Chunk, tag_field="sessionUpdate", tag="agent_thought_chunk"):
    """Part of the agent's visible reasoning (extended thinking), streamed."""


class ToolCallStart(Wire, tag_field="sessionUpdate", tag="tool_call"):
    """A new tool call."""

    tool_call_id: Annotated[str, D("Unique within the session.")]
    title: Annotated[str, D("Human-readable summary.")]
    name: Annotated[str | None | UnsetType, D("The tool's name.")] = UNSET
    kind: Annotated[ToolKind | UnsetType, D("Category, for icons.")] = UNSET
    status: Annotated[ToolCallStatus | UnsetType, D("Execution status.")] = UNSET
    content: Annotated[list[ToolCallContent] | UnsetType, D("Content so far.")] = UNSET
    locations: Annotated[list[ToolCallLocation] | UnsetType, D("Files touched.")] = UNSET
    raw_input: Annotated[object | UnsetType, D("The input the model gave.")] = UNSET
    raw_output: Annotated[object | UnsetType, D("The raw result.")] = UNSET
    meta: Meta_ = msgspec.field(default=UNSET, name="_meta")


class ToolCallProgress(ToolCallFields, tag_field="sessionUpdate", tag="tool_call_update"):
    """An update to a tool call: only the changed fields."""


class PlanUpdate(Wire, tag_field="sessionUpdate", tag="plan"):
    """The whole current plan (the agent's todo list); replaces the previous one."""

    entries: Annotated[list[PlanEntry], D("All entries, in order.")]
    meta: Meta_ = msgspec.field(default=UNSET, name="_meta")


class AvailableCommandsUpdate(Wire, tag_field="sessionUpdate", tag="available_commands_update"):
    """The slash commands the session accepts."""

    available_commands: Annotated[list[AvailableCommand], D("The commands.")]
    meta: Meta_ = msgspec.field(default=UNSET, name="_meta")


class CurrentModeUpdate(Wire, tag_field="sessionUpdate", tag="current_mode_update"):
    """The session's mode changed."""

    current_mode_id: Annotated[str, D("The new mode's id.")]
    meta: Meta_ = msgspec.field(default=UNSET, name="_meta")


class ConfigOptionUpdate(Wire, tag_field="sessionUpdate", tag="config_option_update"):
    """The session's config options changed; the full set."""

    config_options: Annotated[list[SessionConfigOption], D("All options with their current values.")]
    meta: Meta_ = msgspec.field(default=UNSET, name="_meta")


class SessionInfoUpdate(Wire, tag_field="sessionUpdate", tag="session_info_update"):
    """The session's title or last activity changed."""

    title: Annotated[str | None | UnsetType, D("Human-readable title.")] = UNSET
    updated_at: Annotated[str | None | UnsetType, D("ISO 8601 time of last activity.")] = UNSET
    meta: Meta_ = msgspec.field(default=UNSET, name="_meta")


class Cost(Wire):
    """Cumulative cost of the session."""

    amount: Annotated[float, D("Total so far.")]
    currency: Annotated[str, D("ISO 4217 code, USD.")]


class UsageUpdate(Wire, tag_field="sessionUpdate", tag="usage_update"):
    """Context window use and cost, sent after each model call; `_meta.tandem` has token counts."""

    used: Annotated[int, D("Tokens currently in context.")]
    size: Annotated[int, D("Context window size in tokens.")]
    cost: Annotated[Cost | None | UnsetType, D("Estimated cumulative cost.")] = UNSET
    meta: Meta_ = msgspec.field(default=UNSET, name="_meta")


CompactionStatus = Annotated[str, D("in_progress, completed, failed or cancelled.")]


class CompactionUpdate(Wire, tag_field="sessionUpdate", tag="compaction_update"):
    """The conversation was (or is being) summarised to stay within the context window. An upsert by id; only sent
    to clients that advertise `clientCapabilities.session.compaction` (others get an agent message notice)."""

    compaction_id: Annotated[str, D("Unique within the session.")]
    status: CompactionStatus
    summary: Annotated[list[ContentBlock] | None | UnsetType, D("The summary, for display; replaces any before.")] = UNSET
    error: Annotated[str | None | UnsetType, D("Why it failed.")] = UNSET
    meta: Meta_ = msgspec.field(default=UNSET, name="_meta")


SessionUpdate = Union[
    UserMessageChunk,
    AgentMessageChunk,
    AgentThoughtChunk,
    ToolCallStart,
    ToolCallProgress,
    PlanUpdate,
    AvailableCommandsUpdate,
    CurrentModeUpdate,
    ConfigOptionUpdate,
    SessionInfoUpdate,
    UsageUpdate,
    CompactionUpdate,
]


class SessionNotification(Wire):
    """Params of `session/update`."""

    session_id: Annotated[str, D("The session the update belongs to.")]
    update: Annotated[SessionUpdate, D("The update.")]
    meta: Meta_ = msgspec.field(default=UNSET, name="_meta")
