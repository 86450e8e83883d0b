"""ACP session methods: initialize, new/load/resume/list/close/delete, prompt, cancel, modes and config."""

from __future__ import annotations

from typing import Any, Literal, Union

import msgspec

from .._base import UNSET, Annotated, D, Meta_, UnsetType, Wire
from .content import ContentBlock

# ---- initialize -------------------------------------------------------------------------------


class FileSystemCapabilities(Wire):
    """What the client can do with files for the agent."""

    read_text_file: Annotated[bool, D("The client serves fs/read_text_file.")] = False
    write_text_file: Annotated[bool, D("The client serves fs/write_text_file.")] = False


class ClientSessionCapabilities(Wire):
    """Session-related extensions the client supports."""

    compaction: Annotated[dict | None | UnsetType,
                          D("`{}`: the client renders compaction_update; otherwise compaction is an agent message.")
                          ] = UNSET
    meta: Meta_ = msgspec.field(default=UNSET, name="_meta")


class ClientCapabilities(Wire):
    """What the client offers."""

    fs: FileSystemCapabilities | UnsetType = UNSET
    terminal: Annotated[bool | UnsetType, D("The client serves terminal/*.")] = UNSET
    session: Annotated[ClientSessionCapabilities | None | UnsetType, D("Session-related extensions.")] = UNSET
    meta: Meta_ = msgspec.field(default=UNSET, name="_meta")


class Implementation(Wire):
    """Name and version of a program."""

    name: str
    version: str
    title: str | None | UnsetType = UNSET


class InitializeRequest(Wire):
    """ACP `initialize` params (the LSP door carries them in initializationOptions.acp)."""

    protocol_version: Annotated[int, D("ACP protocol version; 1.")]
    client_capabilities: ClientCapabilities | UnsetType = UNSET
    client_info: Implementation | None | UnsetType = UNSET
    meta: Meta_ = msgspec.field(default=UNSET, name="_meta")


class PromptCapabilities(Wire):
    """Which prompt content the agent accepts beyond text and resource_link."""

    image: bool = False
    audio: bool = False
    embedded_context: bool = False


class McpCapabilities(Wire):
    """MCP transports the agent can connect to."""

    http: bool = False
    sse: bool = False


class Empty(Wire):
    """An empty object (capability present, no options)."""


class SessionCapabilities(Wire):
    """Optional session methods the agent serves."""

    list: Empty | None | UnsetType = UNSET
    resume: Empty | None | UnsetType = UNSET
    close: Empty | None | UnsetType = UNSET
    delete: Empty | None | UnsetType = UNSET


class AgentCapabilities(Wire):
    """What the agent offers."""

    load_session: bool = False
    prompt_capabilities: PromptCapabilities | UnsetType = UNSET
    mcp_capabilities: McpCapabilities | UnsetType = UNSET
    session_capabilities: SessionCapabilities | UnsetType = UNSET
    meta: Meta_ = msgspec.field(default=UNSET, name="_meta")


class InitializeResponse(Wire):
    """ACP `initialize` result."""

    protocol_version: int
    agent_capabilities: AgentCapabilities | UnsetType = UNSET
    auth_methods: list[dict[str, Any]] | UnsetType = UNSET
    agent_info: Implementation | None | UnsetType = UNSET
    meta: Meta_ = msgspec.field(default=UNSET, name="_meta")


# ---- modes and config -------------------------------------------------------------------------


class SessionMode(Wire):
    """A permission mode the session can be in."""

    id: Annotated[str, D("default, acceptEdits, plan or bypassPermissions.")]
    name: Annotated[str, D("Label.")]
    description: str | None | UnsetType = UNSET


class SessionModeState(Wire):
    """The current mode and the modes available."""

    current_mode_id: str
    available_modes: list[SessionMode]


class SessionConfigSelectOption(Wire):
    """One value of a select option."""

    value: str
    name: str
    description: str | None | UnsetType = UNSET


class SessionConfigOption(Wire, tag_field="type", tag="select"):
    """A session setting the user can change (model, thinking effort, max tokens, mode)."""

    id: Annotated[str, D("Option id, used in session/set_config_option.")]
    name: Annotated[str, D("Label.")]
    current_value: Annotated[str, D("The selected value.")]
    options: Annotated[list[SessionConfigSelectOption], D("The values to choose from.")]
    category: Annotated[str | None | UnsetType, D("mode, model, thought_level or other.")] = UNSET
    description: str | None | UnsetType = UNSET


class AvailableCommandInput(Wire):
    """Free-text input after a slash command."""

    hint: str


class AvailableCommand(Wire):
    """A slash command."""

    name: str
    description: str
    input: AvailableCommandInput | None | UnsetType = UNSET


# ---- session lifecycle ------------------------------------------------------------------------


class NewSessionRequest(Wire):
    """`session/new` params."""

    cwd: Annotated[str, D("Absolute path of the workspace root.")]
    mcp_servers: Annotated[list[dict[str, Any]], D("MCP servers to connect (accepted, not yet used); required by ACP.")]
    meta: Meta_ = msgspec.field(default=UNSET, name="_meta")


class NewSessionResponse(Wire):
    """`session/new` result."""

    session_id: str
    modes: SessionModeState | None | UnsetType = UNSET
    config_options: list[SessionConfigOption] | None | UnsetType = UNSET
    meta: Meta_ = msgspec.field(default=UNSET, name="_meta")


class LoadSessionRequest(Wire):
    """`session/load` params: the history is replayed as session/update before the answer."""

    session_id: str
    cwd: str
    mcp_servers: Annotated[list[dict[str, Any]], D("MCP servers to connect; required by ACP.")]
    meta: Meta_ = msgspec.field(default=UNSET, name="_meta")


class LoadSessionResponse(Wire):
    """`session/load` and `session/resume` result."""

    modes: SessionModeState | None | UnsetType = UNSET
    config_options: list[SessionConfigOption] | None | UnsetType = UNSET
    meta: Meta_ = msgspec.field(default=UNSET, name="_meta")


class ResumeSessionRequest(Wire):
    """`session/resume` params: like load, without replaying the history."""

    session_id: str
    cwd: str
    mcp_servers: list[dict[str, Any]] = []
    meta: Meta_ = msgspec.field(default=UNSET, name="_meta")


class ListSessionsRequest(Wire):
    """`session/list` params."""

    cwd: Annotated[str | None | UnsetType, D("Only sessions of this workspace.")] = UNSET
    cursor: Annotated[str | None | UnsetType, D("From a previous nextCursor.")] = UNSET
    meta: Meta_ = msgspec.field(default=UNSET, name="_meta")


class SessionInfo(Wire):
    """A stored session."""

    session_id: str
    cwd: str
    title: str | None | UnsetType = UNSET
    updated_at: Annotated[str | None | UnsetType, D("ISO 8601.")] = UNSET
    meta: Meta_ = msgspec.field(default=UNSET, name="_meta")


class ListSessionsResponse(Wire):
    """`session/list` result, newest first."""

    sessions: list[SessionInfo]
    next_cursor: str | None | UnsetType = UNSET


class SessionIdParams(Wire):
    """Params that name only a session (`session/close`, `session/delete`, `session/cancel`)."""

    session_id: str
    meta: Meta_ = msgspec.field(default=UNSET, name="_meta")


class EmptyResult(Wire):
    """An empty result object."""

    meta: Meta_ = msgspec.field(default=UNSET, name="_meta")


class PromptRequest(Wire):
    """`session/prompt` params."""

    session_id: str
    prompt: Annotated[list[ContentBlock], D("text, resource_link (@file) and resource (selection) blocks.")]
    meta: Meta_ = msgspec.field(default=UNSET, name="_meta")


StopReason = Literal["end_turn", "max_tokens", "max_turn_requests", "refusal", "cancelled"]


class PromptResponse(Wire):
    """`session/prompt` result, sent when the turn ends."""

    stop_reason: StopReason
    meta: Meta_ = msgspec.field(default=UNSET, name="_meta")


class SetSessionModeRequest(Wire):
    """`session/set_mode` params."""

    session_id: str
    mode_id: str
    meta: Meta_ = msgspec.field(default=UNSET, name="_meta")


class SetSessionConfigOptionRequest(Wire):
    """`session/set_config_option` params."""

    session_id: str
    config_id: str
    value: Annotated[Union[str, bool], D("The value id of a select option, or a boolean.")]
    type: Annotated[Literal["boolean"] | UnsetType, D("boolean when value is a boolean (ACP requires it).")] = UNSET
    meta: Meta_ = msgspec.field(default=UNSET, name="_meta")


class SetSessionConfigOptionResponse(Wire):
    """`session/set_config_option` result: every option with its current value."""

    config_options: list[SessionConfigOption]
    meta: Meta_ = msgspec.field(default=UNSET, name="_meta")
