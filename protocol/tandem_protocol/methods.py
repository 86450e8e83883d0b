"""The method table: every wire method with its direction, kind, params and result type; doors and codegen read it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from . import ext
from .acp import client as c
from .acp import session as s
from .acp import tools as t
from .acp import updates as u

Direction = Literal["to_agent", "to_client"]


@dataclass(frozen=True)
class Method:
    """One JSON-RPC method."""

    name: str
    direction: Direction
    params: type
    result: type | None  # None: a notification
    doc: str
    acp: bool = True  # defined by ACP v1 (so validated against its schema); False: a Tandem extension

    @property
    def is_notification(self) -> bool:
        return self.result is None


METHODS: tuple[Method, ...] = (
    Method("session/new", "to_agent", s.NewSessionRequest, s.NewSessionResponse, "Create a session in a workspace."),
    Method("session/load", "to_agent", s.LoadSessionRequest, s.LoadSessionResponse,
           "Open a stored session, replaying its history as session/update first."),
    Method("session/resume", "to_agent", s.ResumeSessionRequest, s.LoadSessionResponse,
           "Open a stored session without replaying its history."),
    Method("session/list", "to_agent", s.ListSessionsRequest, s.ListSessionsResponse, "Stored sessions, newest first."),
    Method("session/close", "to_agent", s.SessionIdParams, s.EmptyResult,
           "Cancel a session's work and free it (it stays stored)."),
    Method("session/delete", "to_agent", s.SessionIdParams, s.EmptyResult, "Delete a stored session."),
    Method("session/prompt", "to_agent", s.PromptRequest, s.PromptResponse,
           "Run one turn; pending until the turn ends."),
    Method("session/cancel", "to_agent", s.SessionIdParams, None, "Stop the running turn."),
    Method("session/set_mode", "to_agent", s.SetSessionModeRequest, s.EmptyResult, "Change the permission mode."),
    Method("session/set_config_option", "to_agent", s.SetSessionConfigOptionRequest,
           s.SetSessionConfigOptionResponse, "Change a config option (model, effort, max tokens, mode)."),
    Method("session/update", "to_client", u.SessionNotification, None, "Streamed progress of a session."),
    Method("session/request_permission", "to_client", t.RequestPermissionRequest, t.RequestPermissionResponse,
           "Ask the user to allow a tool call."),
    Method("fs/read_text_file", "to_client", c.ReadTextFileRequest, c.ReadTextFileResponse,
           "Read a file through the client (its buffer, unsaved text included)."),
    Method("fs/write_text_file", "to_client", c.WriteTextFileRequest, s.EmptyResult, "Write a file through the client."),
    Method("_tandem/info", "to_agent", s.EmptyResult, ext.ServerInfoResult,
           "What this server is: version, model, state directory, API key presence.", acp=False),
    Method("_tandem/hunks", "to_client", ext.PendingHunksParams, None,
           "The pending hunks of a file changed (for decorations); an empty list clears them.", acp=False),
    Method("_tandem/review/list", "to_agent", ext.ReviewListParams, ext.ReviewListResult,
           "Every file the session changed, with its diff against the session's baseline.", acp=False),
    Method("_tandem/review/revert", "to_agent", ext.ReviewRevertParams, ext.RevertResult,
           "Undo the agent's hunks in a file, keeping every later edit of the user.", acp=False),
    Method("_tandem/rewind", "to_agent", ext.RewindParams, ext.RevertResult,
           "Restore the code to before a turn (and optionally cut the conversation there).", acp=False),
    Method("_tandem/inlineEdit", "to_agent", ext.InlineEditParams, ext.InlineEditResult,
           "Ask the agent about a selection; runs a turn in a new or given session.", acp=False),
)

BY_NAME: dict[str, Method] = {m.name: m for m in METHODS}
