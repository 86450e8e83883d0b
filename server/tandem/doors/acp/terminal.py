"""Bash through the client's terminal (ACP `terminal/*`), for clients that offer one: the user watches it run."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import msgspec
from tandem_protocol import (
    CreateTerminalRequest,
    CreateTerminalResponse,
    TerminalExitStatus,
    TerminalOutputResponse,
    TerminalRequest,
    TerminalToolCallContent,
)

from ...tools._common import refusal, text_block
from ...tools.base import PermissionAsk, ToolContext, ToolError, ToolResult
from ...tools.bash import Bash, BashInput, Output, build_argv, clamp_timeout
from .rpc import Peer, RpcFailure

log = logging.getLogger(__name__)
CLIENT_OUTPUT_LIMIT = 256 * 1024  # bytes the client keeps (it drops the oldest); the model gets Bash's head+tail cap
CLEANUP_TIMEOUT = 5.0
_cleanups: set[asyncio.Future[None]] = set()  # releases still in flight (a task nobody holds may be collected)


class ClientTerminalBash(Bash):
    """The Bash tool with the command run in the client's terminal instead of a local subprocess: same input,
    same permission check, same output cap; the tool call embeds the terminal so the client shows it live."""

    def __init__(self, peer: Peer) -> None:
        self.peer = peer

    async def run(self, inp: BashInput, ctx: ToolContext) -> ToolResult:
        if not inp.command.strip():
            raise ToolError("The command is empty.")
        shown = f"```sh\n{inp.command}\n```" if "```" not in inp.command else inp.command
        decision = await ctx.authorize(PermissionAsk(tool="Bash", kind="execute", title=self.title(inp),
                                                     subject=inp.command, content=[text_block(shown)]))
        if not decision.allowed:
            return ToolResult(output=refusal(decision, "The command"), is_error=True)

        timeout_ms = clamp_timeout(inp.timeout)
        argv = build_argv(inp.command)
        try:
            created = await self.peer.request("terminal/create", CreateTerminalRequest(
                session_id=ctx.session_id, command=argv[0], args=argv[1:], cwd=str(ctx.workspace.root),
                output_byte_limit=CLIENT_OUTPUT_LIMIT))
            terminal_id = msgspec.convert(created, CreateTerminalResponse).terminal_id
        except (RpcFailure, ConnectionError, msgspec.ValidationError) as e:
            raise ToolError(f"The editor could not start a terminal for the command: {e}") from None
        embedded = [TerminalToolCallContent(terminal_id=terminal_id)]
        ctx.progress(content=embedded)
        ref = TerminalRequest(session_id=ctx.session_id, terminal_id=terminal_id)
        timed_out = False
        try:
            try:
                status = await asyncio.wait_for(self.peer.request("terminal/wait_for_exit", ref), timeout_ms / 1000)
            except TimeoutError:
                timed_out = True
                status = None
                await self._quietly("terminal/kill", ref)
            output = msgspec.convert(await self.peer.request("terminal/output", ref), TerminalOutputResponse)
        except asyncio.CancelledError:
            # Shielded: a second cancel must not leave the command running in the user's terminal.
            await asyncio.shield(self._quietly("terminal/kill", ref))
            raise
        except (RpcFailure, ConnectionError, msgspec.ValidationError) as e:
            raise ToolError(f"The editor's terminal failed: {e}") from None
        finally:
            release = asyncio.ensure_future(self._quietly("terminal/release", ref))
            _cleanups.add(release)
            release.add_done_callback(_cleanups.discard)

        exit_status = _exit_status(status if status is not None else output.exit_status)
        out = Output()
        out.feed(output.output.encode("utf-8"), final=True)
        text = out.text().rstrip("\n") or "(no output)"
        if output.truncated:
            text = "[earlier output was dropped by the terminal]\n" + text
        code = exit_status.exit_code if isinstance(exit_status.exit_code, int) else None
        signal = exit_status.signal if isinstance(exit_status.signal, str) else None
        if timed_out:
            text += f"\n\nCommand timed out after {timeout_ms / 1000:g}s and was killed."
        elif signal:
            text += f"\n\nKilled by signal {signal}"
        elif code:
            text += f"\n\nExit code {code}"
        return ToolResult(output=text, is_error=timed_out or bool(signal) or bool(code), content=embedded,
                          raw_output={"exit_code": code, "signal": signal, "timed_out": timed_out,
                                      "output_chars": out.total, "terminal_id": terminal_id})

    async def _quietly(self, method: str, ref: TerminalRequest) -> None:
        """kill and release: best effort and bounded; the command's outcome is already decided."""
        try:
            await asyncio.wait_for(self.peer.request(method, ref), CLEANUP_TIMEOUT)
        except (RpcFailure, ConnectionError, TimeoutError) as e:
            log.info("%s %s: %s", method, ref.terminal_id, e)


def _exit_status(value: Any) -> TerminalExitStatus:
    if isinstance(value, TerminalExitStatus):
        return value
    try:
        return msgspec.convert(value or {}, TerminalExitStatus)
    except msgspec.ValidationError:
        return TerminalExitStatus()
