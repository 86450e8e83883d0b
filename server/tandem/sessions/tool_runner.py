"""Runs one tool_use block for a session: validate, announce as an ACP tool call, authorize, run, report."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec
from tandem_protocol import (
    ContentToolCallContent,
    PermissionOption,
    RequestPermissionRequest,
    TextContent,
    ToolCallFields,
    ToolCallProgress,
    ToolCallStart,
)

from ..edits.apply import atomic_write
from ..tools.base import Decision, EditOutcome, PermissionAsk, Tool, ToolError, ToolResult
from ..safety.permissions import UNSANDBOXED, runs_in_sandbox
from ..workspace import Workspace

if TYPE_CHECKING:
    from .session import Session

log = logging.getLogger(__name__)
DISPLAY_LIMIT = 20_000
CLIENT_READ_LIMIT = 10 * 1024 * 1024  # bigger files are read here, not shipped through the client as JSON


async def run_tool_block(session: Session, block: dict[str, Any]) -> dict[str, Any]:
    """Run the tool a model asked for and return the `tool_result` block for the model."""
    call_id, name, raw_input = block["id"], block.get("name", ""), block.get("input") or {}
    tool = session.offered_tools().get(name)
    if tool is None:
        why = (f"{name} is not available in plan mode" if session.config.mode == "plan" and name in session.all_tools
               else f"There is no tool named {name!r}")
        session.emit(ToolCallStart(tool_call_id=call_id, title=name or "unknown tool", name=name, kind="other",
                                   status="failed", raw_input=raw_input))
        return _result(call_id, why, True)
    try:
        inp = msgspec.convert(raw_input, tool.Input)
    except msgspec.ValidationError as e:
        session.emit(ToolCallStart(tool_call_id=call_id, title=name, name=name, kind=tool.kind, status="failed",
                                   raw_input=raw_input))
        return _result(call_id, f"Invalid input for {name}: {e}", True)
    workspace = await client_view(session, inp)
    session.emit(ToolCallStart(tool_call_id=call_id, title=tool.title(inp), name=name, kind=tool.kind,
                               status="pending", raw_input=raw_input,
                               locations=tool.locations(inp, workspace) or msgspec.UNSET))
    ctx = SessionToolContext(session, call_id, tool, workspace)
    session.emit(ToolCallProgress(tool_call_id=call_id, status="in_progress"))
    try:
        result = await tool.run(inp, ctx)
    except ToolError as e:
        result = ToolResult(output=str(e), is_error=True)
    except asyncio.CancelledError:
        session.emit(ToolCallProgress(tool_call_id=call_id, status="failed", content=[_text("Cancelled by the user.")]))
        raise
    except Exception as e:  # a bug in a tool must not end the session
        log.exception("tool %s failed", name)
        result = ToolResult(output=f"{name} failed unexpectedly: {type(e).__name__}: {e}", is_error=True)
    content = result.content if result.content is not None else [_text(result.output[:DISPLAY_LIMIT])]
    session.emit(ToolCallProgress(tool_call_id=call_id, status="failed" if result.is_error else "completed",
                                  content=content, title=result.title or msgspec.UNSET,
                                  raw_output=result.raw_output if result.raw_output is not None else msgspec.UNSET))
    return _result(call_id, result.output, result.is_error)


async def client_view(session: Session, inp: Any) -> Workspace:
    """The workspace as the tool should see it: when the client serves files (ACP fs/read_text_file), the file the
    tool names (`file_path`) reads as the client's text, unsaved changes included. Only files inside the workspace
    that exist here are fetched: the client is asked nothing the permission rules have not cleared."""
    workspace = session.workspace
    read = getattr(session.channel, "read_text_file", None)
    file_path = getattr(inp, "file_path", None)
    if read is None or not isinstance(file_path, str):
        return workspace
    path = workspace.resolve(file_path)
    try:
        if workspace.is_open(path) or not workspace.contains(path) or path.stat().st_size > CLIENT_READ_LIMIT:
            return workspace
    except OSError:  # missing or unreadable here: the tool reports it
        return workspace
    text = await read(session.id, path)
    return workspace if text is None else workspace.with_text(path, text)


def _result(call_id: str, output: str, is_error: bool) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "tool_result", "tool_use_id": call_id, "content": output or "(no output)"}
    if is_error:
        block["is_error"] = True
    return block


def _text(text: str) -> ContentToolCallContent:
    return ContentToolCallContent(content=TextContent(text=text))


class SessionToolContext:
    """The ToolContext a session gives each tool call."""

    def __init__(self, session: Session, tool_call_id: str, tool: Tool, workspace: Workspace | None = None) -> None:
        self.session = session
        self.workspace = workspace if workspace is not None else session.workspace
        self.session_id = session.id
        self.tool_call_id = tool_call_id
        self.read_files = session.read_files
        self.tool = tool
        self.unsandboxed = False  # the user chose "outside the sandbox" for this call (never the model)

    async def authorize(self, ask: PermissionAsk) -> Decision:
        verdict, reason = self.session.policy.decide(ask, self.session.config.mode, self.workspace,
                                                     sandboxed=runs_in_sandbox(self.tool))
        if verdict == "allow":
            return Decision(allowed=True)
        if verdict == "deny":
            return Decision(allowed=False, reason=reason)
        return await self.ask_user(ask)

    async def ask_user(self, ask: PermissionAsk) -> Decision:
        """Put the question to the user (session/request_permission) and read their answer."""
        edit = ask.kind == "edit"
        request = RequestPermissionRequest(
            session_id=self.session_id,
            tool_call=ToolCallFields(tool_call_id=self.tool_call_id, title=ask.title, kind=ask.kind, name=ask.tool,
                                     status="pending", content=ask.content,
                                     meta={"tandem": ask.meta} if ask.meta else msgspec.UNSET),
            options=[
                PermissionOption(option_id="allow_once", name="Allow", kind="allow_once"),
                PermissionOption(option_id="allow_always", kind="allow_always",
                                 name="Allow all edits this session" if edit else "Always allow this command"),
                PermissionOption(option_id="reject_once", name="Reject", kind="reject_once"),
            ],
        )
        request.options = self.session.policy.prompt_options(ask, self.workspace, request.options,
                                                             sandboxed=runs_in_sandbox(self.tool))
        response = await self.session.channel.request_permission(request)
        if response is None:
            return Decision(allowed=False, reason=self.session.unattended_refusal(ask))
        extras = (response.meta or {}).get("tandem") if isinstance(response.meta, dict) else None
        feedback = extras.get("feedback") if isinstance(extras, dict) else None
        outcome = response.outcome
        option = getattr(outcome, "option_id", None)
        if option == UNSANDBOXED and ask.tool == "Bash":
            self.unsandboxed, option = True, "allow_once"
        if option in ("allow_once", "allow_always"):
            if option == "allow_always":
                self.session.policy.grant_always(ask)
            return Decision(allowed=True, feedback=feedback, extras=extras if isinstance(extras, dict) else None)
        if option is None:
            return Decision(allowed=False, reason="The permission request was cancelled.")
        return Decision(allowed=False, reason="The user rejected this.", feedback=feedback)

    def wrap_argv(self, argv: list[str]) -> list[str]:
        """tools/bash.py's sandbox seam: the command's argv inside the sandbox (safety/sandbox.py)."""
        return self.session.policy.wrap_argv(argv, self.workspace, self.unsandboxed)

    def wrap_env(self, env: dict[str, str]) -> dict[str, str]:
        """The command's environment: the sandbox's allowlist (no API keys), or `env` outside the sandbox."""
        return self.session.policy.wrap_env(env, self.workspace, self.unsandboxed)

    def read_needs_check(self, tool: str, path: Path) -> bool:
        """Must a read inside the workspace be authorized (a likely secret, or a rule names it)?"""
        return self.session.policy.read_needs_check(tool, path, self.workspace)

    def progress(self, *, content: list | None = None, title: str | None = None) -> None:
        self.session.emit(ToolCallProgress(tool_call_id=self.tool_call_id,
                                           content=content if content is not None else msgspec.UNSET,
                                           title=title if title is not None else msgspec.UNSET), batch=True)

    def set_plan(self, entries: list) -> None:
        self.session.set_plan(entries)

    async def set_mode(self, mode: str) -> None:
        self.session.set_mode(mode)

    async def propose_edit(self, tool: str, path: Path, old_text: str | None, new_text: str) -> EditOutcome:
        """Review and apply a change to one file (see sessions/edit_flow.py); never writes what was not allowed."""
        return await self.session.edits.propose(self, tool, path, old_text, new_text)

    async def write_text(self, path: Path, new_text: str, old_text: str | None) -> None:
        await write_file(self.session, self.workspace, path, new_text, old_text)


async def write_file(session: Session, workspace: Workspace, path: Path, new_text: str, old_text: str | None) -> None:
    """Write through the client when it serves files (ACP), through the editor when the file is open there (LSP
    applyEdit, so undo works), else atomically on disk."""
    write = getattr(session.channel, "write_text_file", None)
    if write is not None and await write(session.id, path, new_text, old_text):
        if workspace.is_open(path):
            workspace.update_buffer(path, new_text, workspace.buffer(path).version)
        return
    if workspace.is_open(path):
        # An open file changes only through the editor: writing the disk behind a modified buffer would set the
        # user's unsaved text against ours. A refusal (the buffer moved on) is the caller's to retry or report.
        if not await session.channel.write_open_buffer(path, new_text, old_text):
            raise BufferWriteRefused(f"The editor did not apply the change to {workspace.relative(path)}")
        workspace.update_buffer(path, new_text, workspace.buffer(path).version)
        return
    await asyncio.to_thread(atomic_write, path, new_text)


class BufferWriteRefused(OSError):
    """The editor refused a workspace/applyEdit (usually: the user typed since we read the buffer)."""
