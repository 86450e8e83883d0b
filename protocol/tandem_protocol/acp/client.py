"""ACP methods the agent calls on the client: fs/* and terminal/* (used when the client offers them)."""

from __future__ import annotations

import msgspec

from .._base import UNSET, Annotated, D, Meta_, UnsetType, Wire


class ReadTextFileRequest(Wire):
    """`fs/read_text_file` params: the client returns its buffer's text, unsaved changes included."""

    session_id: str
    path: Annotated[str, D("Absolute path.")]
    line: Annotated[int | None | UnsetType, D("First line, 1-based.")] = UNSET
    limit: Annotated[int | None | UnsetType, D("Number of lines.")] = UNSET
    meta: Meta_ = msgspec.field(default=UNSET, name="_meta")


class ReadTextFileResponse(Wire):
    """`fs/read_text_file` result."""

    content: str
    meta: Meta_ = msgspec.field(default=UNSET, name="_meta")


class WriteTextFileRequest(Wire):
    """`fs/write_text_file` params."""

    session_id: str
    path: Annotated[str, D("Absolute path.")]
    content: Annotated[str, D("The whole new text.")]
    meta: Meta_ = msgspec.field(default=UNSET, name="_meta")


class EnvVariable(Wire):
    """An environment variable for a terminal."""

    name: str
    value: str


class CreateTerminalRequest(Wire):
    """`terminal/create` params."""

    session_id: str
    command: str
    args: list[str] = []
    env: list[EnvVariable] = []
    cwd: str | None | UnsetType = UNSET
    output_byte_limit: int | None | UnsetType = UNSET
    meta: Meta_ = msgspec.field(default=UNSET, name="_meta")


class CreateTerminalResponse(Wire):
    """`terminal/create` result."""

    terminal_id: str


class TerminalRequest(Wire):
    """Params naming a terminal: `terminal/output`, `wait_for_exit`, `kill`, `release`."""

    session_id: str
    terminal_id: str


class TerminalExitStatus(Wire):
    """How a terminal's command ended."""

    exit_code: int | None | UnsetType = UNSET
    signal: str | None | UnsetType = UNSET


class TerminalOutputResponse(Wire):
    """`terminal/output` result."""

    output: str
    truncated: bool
    exit_status: TerminalExitStatus | None | UnsetType = UNSET
