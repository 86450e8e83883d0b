"""Drives a real `tandem acp` with the official ACP Python SDK, recording every NDJSON line both ways for validation."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from acp import PROTOCOL_VERSION, RequestError, connect_to_agent
from acp.schema import (
    AllowedOutcome,
    ClientCapabilities,
    CreateTerminalResponse,
    DeniedOutcome,
    FileSystemCapabilities,
    ReadTextFileResponse,
    RequestPermissionResponse,
    TerminalExitStatus,
    TerminalOutputResponse,
    WaitForTerminalExitResponse,
    WriteTextFileResponse,
)

from tests.acp_schema import validate_acp_message

LINE_LIMIT = 64 * 1024 * 1024


class AcpHarness:
    """One `tandem acp` process and an SDK client. `wire` holds ("in"|"out", message) for every line, in order."""

    def __init__(self, env: dict[str, str], *, fs: bool = True, terminal: bool = False) -> None:
        self.env = env
        self.fs = fs
        self.terminal = terminal
        self.wire: list[tuple[str, dict[str, Any]]] = []
        self._validated = 0
        self._methods: dict[tuple[str, Any], str] = {}  # (direction of the request, id) -> method
        self.buffers: dict[str, str] = {}  # the editor's unsaved text, served by fs/read_text_file
        self.reads: list[str] = []
        self.writes: list[tuple[str, str]] = []
        self.permission_answers: list[str] = []  # option ids, or "cancelled"; default reject_once
        self.permission_hold: asyncio.Event | None = None
        self.terminals: dict[str, _Terminal] = {}
        self._changed = asyncio.Event()
        self.proc: asyncio.subprocess.Process | None = None
        self.conn: Any = None
        self.init: Any = None

    # ---- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> AcpHarness:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tandem", "acp", env=self.env, limit=LINE_LIMIT,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        feed = asyncio.StreamReader(limit=LINE_LIMIT)
        self._pump = asyncio.ensure_future(self._tee(self.proc.stdout, feed))
        stdin = self.proc.stdin
        write = stdin.write

        def tee_write(data: bytes) -> None:
            for line in data.splitlines():
                self.wire.append(("out", json.loads(line)))
            write(data)

        stdin.write = tee_write  # type: ignore[method-assign]
        self.conn = connect_to_agent(_Client(self), stdin, feed)
        self.init = await asyncio.wait_for(self.conn.initialize(
            protocol_version=PROTOCOL_VERSION,
            client_capabilities=ClientCapabilities(
                fs=FileSystemCapabilities(read_text_file=self.fs, write_text_file=self.fs), terminal=self.terminal)),
            10)
        return self

    async def _tee(self, source: asyncio.StreamReader, feed: asyncio.StreamReader) -> None:
        while line := await source.readline():
            assert line.endswith(b"\n"), f"a message without its newline: {line[:200]!r}"
            self.wire.append(("in", json.loads(line)))  # one whole JSON message per line, or this fails
            self._changed.set()
            feed.feed_data(line)
        feed.feed_eof()

    async def stop(self) -> int | None:
        assert self.proc is not None
        try:
            await self.conn.close()
        except Exception:
            pass
        if self.proc.stdin and not self.proc.stdin.is_closing():
            self.proc.stdin.close()
        try:
            code = await asyncio.wait_for(self.proc.wait(), 10)
        except TimeoutError:
            self.proc.kill()
            code = await self.proc.wait()
        await self._pump
        return code

    # ---- what went over the wire --------------------------------------------------------------

    def validate(self) -> int:
        """Validate every message both ways not yet validated against the official ACP schema; returns how many
        were checked (extension methods are skipped)."""
        methods = self._methods
        checked = 0
        new, self._validated = self.wire[self._validated:], len(self.wire)
        for direction, msg in new:
            if "method" in msg:
                if "id" in msg:
                    methods[(direction, msg["id"])] = msg["method"]
                if msg["method"] == "$/cancel_request":
                    validate_acp_message(msg)
                    checked += 1
                    continue
                checked += validate_acp_message(msg)
            else:
                asker = "out" if direction == "in" else "in"
                method = methods.get((asker, msg.get("id")))
                assert method is not None, f"a response to no request: {msg}"
                checked += validate_acp_message(msg, method=method)
        return checked

    def updates(self, session_id: str, kind: str | None = None) -> list[dict[str, Any]]:
        return [m["params"]["update"] for d, m in self.wire
                if d == "in" and m.get("method") == "session/update" and m["params"]["sessionId"] == session_id
                and (kind is None or m["params"]["update"]["sessionUpdate"] == kind)]

    def text(self, session_id: str, kind: str = "agent_message_chunk") -> str:
        return "".join(u["content"].get("text", "") for u in self.updates(session_id, kind))

    def tool_calls(self, session_id: str) -> dict[str, dict[str, Any]]:
        """Tool calls folded from tool_call and tool_call_update upserts."""
        calls: dict[str, dict[str, Any]] = {}
        for u in self.updates(session_id):
            if u["sessionUpdate"] in ("tool_call", "tool_call_update"):
                calls.setdefault(u["toolCallId"], {}).update({k: v for k, v in u.items() if k != "sessionUpdate"})
        return calls

    def requests_in(self, method: str) -> list[dict[str, Any]]:
        """Requests the agent sent to the client."""
        return [m for d, m in self.wire if d == "in" and m.get("method") == method]

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 10) -> Any:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not (value := predicate()):
            if loop.time() >= deadline:
                raise TimeoutError("condition not met in time")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), 0.05)
            except TimeoutError:
                pass
        return value


class _Client:
    """The editor side: permission answers, buffers, writes and terminals as the harness scripts them."""

    def __init__(self, h: AcpHarness) -> None:
        self.h = h

    async def request_permission(self, session_id: str, tool_call: Any, options: Any, **kw: Any) -> Any:
        if self.h.permission_hold is not None:
            await self.h.permission_hold.wait()
        answer = self.h.permission_answers.pop(0) if self.h.permission_answers else "reject_once"
        if answer == "cancelled":
            return RequestPermissionResponse(outcome=DeniedOutcome(outcome="cancelled"))
        return RequestPermissionResponse(outcome=AllowedOutcome(outcome="selected", option_id=answer))

    async def session_update(self, session_id: str, update: Any, **kw: Any) -> None:
        pass  # read from the wire record instead, in order

    async def read_text_file(self, session_id: str, path: str, line: Any = None, limit: Any = None, **kw: Any) -> Any:
        self.h.reads.append(path)
        if path in self.h.buffers:
            return ReadTextFileResponse(content=self.h.buffers[path])
        try:
            return ReadTextFileResponse(content=Path(path).read_text())
        except FileNotFoundError:
            raise RequestError.resource_not_found(path) from None

    async def write_text_file(self, session_id: str, path: str, content: str, **kw: Any) -> Any:
        self.h.writes.append((path, content))
        self.h.buffers[path] = content
        return WriteTextFileResponse()

    async def create_terminal(self, session_id: str, command: str, args: Any = None, env: Any = None, cwd: Any = None,
                              output_byte_limit: Any = None, **kw: Any) -> Any:
        terminal_id = f"term-{len(self.h.terminals) + 1}"
        proc = await asyncio.create_subprocess_exec(command, *(args or []), cwd=cwd, stdout=asyncio.subprocess.PIPE,
                                                    stderr=asyncio.subprocess.STDOUT, start_new_session=True)
        self.h.terminals[terminal_id] = _Terminal(proc)
        return CreateTerminalResponse(terminal_id=terminal_id)

    async def terminal_output(self, session_id: str, terminal_id: str, **kw: Any) -> Any:
        t = self.h.terminals[terminal_id]
        return TerminalOutputResponse(output=t.output.decode(), truncated=False, exit_status=t.status())

    async def wait_for_terminal_exit(self, session_id: str, terminal_id: str, **kw: Any) -> Any:
        t = self.h.terminals[terminal_id]
        await t.done
        status = t.status()
        return WaitForTerminalExitResponse(exit_code=status.exit_code, signal=status.signal)

    async def kill_terminal(self, session_id: str, terminal_id: str, **kw: Any) -> Any:
        t = self.h.terminals[terminal_id]
        if t.proc.returncode is None:
            t.proc.kill()
        t.killed = True
        return None

    async def release_terminal(self, session_id: str, terminal_id: str, **kw: Any) -> Any:
        self.h.terminals[terminal_id].released = True
        return None


class _Terminal:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.output = b""
        self.killed = self.released = False
        self.done = asyncio.ensure_future(self._collect())

    async def _collect(self) -> None:
        assert self.proc.stdout is not None
        while chunk := await self.proc.stdout.read(65536):
            self.output += chunk
        await self.proc.wait()

    def status(self) -> TerminalExitStatus | None:
        code = self.proc.returncode
        if code is None:
            return None
        return TerminalExitStatus(exit_code=code if code >= 0 else None, signal=None if code >= 0 else f"{-code}")
