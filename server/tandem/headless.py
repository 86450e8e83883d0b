"""`tandem ask`: turns without an editor, the answer streamed to stdout (as text or as JSON lines).

The prompt is the argument (one turn), or with `--input-format stream-json` stdin's JSON lines, one user message
each in Claude Code's shape, every one a turn of the same session until EOF. With `--output stream-json` each
`session/update` is one JSON line and each turn ends with one line
`{"type":"result","sessionId":...,"stopReason":...,"isError":...}` (HeadlessChannel.end_turn).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
from pathlib import Path
from collections.abc import AsyncIterator
from typing import Any

import msgspec
from tandem_protocol import (
    AgentMessageChunk,
    ImageContent,
    NewSessionRequest,
    PromptRequest,
    RequestPermissionRequest,
    RequestPermissionResponse,
    SessionNotification,
    TextContent,
    ToolCallProgress,
    ToolCallStart,
)

from .safety.permissions import policy_for
from .safety.rules import BadRule, Rule
from .safety.sandbox import detect_in_background
from .tools.base import PermissionAsk

_encode = msgspec.json.Encoder().encode


class HeadlessChannel:
    """Prints updates; cannot ask anyone, so tools needing permission are refused with a hint."""

    def __init__(self, output: str) -> None:
        self.output = output
        self.failed = False
        self._titles: dict[str, str] = {}
        self._wrote_text = False

    def send_update(self, session_id: str, update: Any) -> None:
        if isinstance(update, AgentMessageChunk) and isinstance(update.meta, dict) and "error" in update.meta.get(
                "tandem", {}):
            self.failed = True
        if self.output == "stream-json":
            sys.stdout.buffer.write(_encode(SessionNotification(session_id=session_id, update=update)) + b"\n")
            sys.stdout.buffer.flush()
            return
        if isinstance(update, AgentMessageChunk) and isinstance(update.content, TextContent):
            sys.stdout.write(update.content.text)
            sys.stdout.flush()
            self._wrote_text = True
        elif isinstance(update, ToolCallStart):
            self._titles[update.tool_call_id] = update.title
        elif isinstance(update, ToolCallProgress) and update.status in ("completed", "failed"):
            mark = "✓" if update.status == "completed" else "✗"
            sys.stderr.write(f"{mark} {self._titles.get(update.tool_call_id, update.tool_call_id)}\n")

    def end_turn(self, session_id: str, stop_reason: str) -> None:
        """After each turn: a newline after streamed text, or the result line that tells a driver the turn ended."""
        if self.output == "stream-json":
            sys.stdout.buffer.write(_encode({"type": "result", "sessionId": session_id, "stopReason": stop_reason,
                                             "isError": self.failed}) + b"\n")
            sys.stdout.buffer.flush()
        elif self._wrote_text:
            sys.stdout.write("\n")
            sys.stdout.flush()
        self._wrote_text = False

    async def request_permission(self, request: RequestPermissionRequest) -> RequestPermissionResponse | None:
        return None

    async def write_open_buffer(self, path: Path, new_text: str, old_text: str | None) -> bool:
        return False


def refusal_hint(ask: PermissionAsk) -> str:
    rule = f"{ask.tool}({ask.subject})" if ask.tool == "Bash" else ask.tool
    return (f"{ask.tool} needs permission and `tandem ask` cannot prompt. The user can rerun with "
            f"--allow '{rule}' or --mode acceptEdits / bypassPermissions. Do not retry; explain what you needed.")


def run_ask(prompt: str | None, *, output: str, mode: str, allow: list[str], cwd: str | None, model: str | None,
            input_format: str = "text") -> int:
    try:
        rules = [Rule.parse(r) for r in allow]
    except BadRule as e:
        print(f"tandem: {e}", file=sys.stderr)
        return 2
    if not os.environ.get("ANTHROPIC_API_KEY"):
        print("tandem: ANTHROPIC_API_KEY is not set. Export your Anthropic API key and try again.", file=sys.stderr)
        return 2
    if model:
        os.environ["TANDEM_MODEL"] = model
    detect_in_background()  # the sandbox probe waits on a bwrap process (~10-20 ms): overlap it with the imports
    lines = _StdinLines() if input_format == "stream-json" else None
    return asyncio.run(_ask(prompt or "", lines, output, mode, rules, os.path.abspath(cwd or os.getcwd())))


class BadLine(ValueError):
    """A stdin line that is not a user message in Claude Code's stream-json shape."""


def parse_user_line(line: bytes) -> list[Any]:
    """`{"type":"user","message":{"role":"user","content": "text" | [blocks]}}` to ACP prompt blocks."""
    try:
        msg = msgspec.json.decode(line)
    except msgspec.DecodeError as e:
        raise BadLine(f"not JSON ({e})") from None
    if not isinstance(msg, dict) or msg.get("type") != "user":
        raise BadLine('expected a user message: {"type":"user","message":{"role":"user","content":...}}')
    message = msg.get("message")
    if not isinstance(message, dict) or message.get("role", "user") != "user":
        raise BadLine('"message" must be an object with "role": "user" and "content"')
    content = message.get("content")
    if isinstance(content, str):
        blocks: list[Any] = [TextContent(text=content)] if content.strip() else []
    elif isinstance(content, list):
        blocks = [_block(b, i) for i, b in enumerate(content)]
    else:
        raise BadLine('"content" must be a string or a list of content blocks')
    if not blocks:
        raise BadLine("the message is empty")
    return blocks


def _block(block: Any, index: int) -> Any:
    kind = block.get("type") if isinstance(block, dict) else None
    if kind == "text" and isinstance(block.get("text"), str):
        return TextContent(text=block["text"])
    source = block.get("source") if kind == "image" else None
    if isinstance(source, dict) and source.get("type") == "base64" and isinstance(source.get("data"), str) \
            and isinstance(source.get("media_type"), str):
        return ImageContent(data=source["data"], mime_type=source["media_type"])
    raise BadLine(f"content block {index} is not supported (text blocks and base64 images are): "
                  f"{_encode(block)[:80].decode(errors='replace')}")


class _StdinLines:
    """stdin's lines, read by a daemon thread (a pipe, a file or a terminal alike), handed to the event loop."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[bytes | None] | None = None

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self.queue = queue = asyncio.Queue()

        def read() -> None:
            try:
                for line in sys.stdin.buffer:
                    loop.call_soon_threadsafe(queue.put_nowait, line)
            except (OSError, ValueError):
                pass
            finally:
                try:
                    loop.call_soon_threadsafe(queue.put_nowait, None)
                except RuntimeError:  # the loop is gone: we are exiting anyway
                    pass

        threading.Thread(target=read, name="tandem-stdin", daemon=True).start()


class _Interrupted(Exception):
    """Ctrl-C while waiting for the next stdin line."""


async def _user_messages(lines: _StdinLines, interrupted: asyncio.Event) -> AsyncIterator[list[Any]]:
    """Each stdin line as prompt blocks, in order, until EOF; blank lines are skipped, bad ones reported and skipped."""
    lines.start()
    assert lines.queue is not None
    number = 0
    while True:
        get = asyncio.ensure_future(lines.queue.get())
        stop_wait = asyncio.ensure_future(interrupted.wait())
        await asyncio.wait({get, stop_wait}, return_when=asyncio.FIRST_COMPLETED)
        stop_wait.cancel()
        if not get.done():
            get.cancel()
            raise _Interrupted
        line = get.result()
        if line is None:
            return
        number += 1
        if not line.strip():
            continue
        try:
            blocks = parse_user_line(line)
        except BadLine as e:
            print(f"tandem: stdin line {number} skipped: {e}", file=sys.stderr)
            continue
        yield blocks


async def _ask(prompt: str, lines: _StdinLines | None, output: str, mode: str, rules: list[Rule], cwd: str) -> int:
    from .errors import RpcError
    from .service import AgentService

    channel = HeadlessChannel(output)
    service = AgentService(channel, policy_factory=lambda root: policy_for(root, rules), watch_disk=False)
    service.default_mode = mode

    def configure(session: Any) -> None:
        session.unattended_refusal = refusal_hint

    service.configure_session = configure
    try:
        created = await service.new_session(NewSessionRequest(cwd=cwd, mcp_servers=[]))
    except RpcError as e:
        print(f"tandem: {e}", file=sys.stderr)
        await service.shutdown()
        return 2
    session_id = created.session_id
    session = service.sessions[session_id]
    running: asyncio.Future[Any] | None = None
    interrupted = asyncio.Event()  # Ctrl-C while no turn runs (waiting for stdin)

    def on_sigint() -> None:
        if session.busy:
            session.cancel()
        elif running is not None and not running.done():
            running.cancel()  # the prompt is still being prepared: nothing to undo yet
        else:
            interrupted.set()

    async def turn(blocks: list[Any]) -> str:
        nonlocal running
        channel.failed = False
        running = asyncio.ensure_future(service.prompt(PromptRequest(session_id=session_id, prompt=blocks)))
        try:
            stop = (await running).stop_reason
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise
            stop = "cancelled"
        finally:
            running = None
        channel.end_turn(session_id, stop)
        if stop == "cancelled":
            print("tandem: cancelled", file=sys.stderr)
        return stop

    asyncio.get_running_loop().add_signal_handler(signal.SIGINT, on_sigint)
    failed = cancelled = False
    try:
        if lines is None:
            cancelled = await turn([TextContent(text=prompt)]) == "cancelled"
            failed = channel.failed
        else:
            try:
                async for blocks in _user_messages(lines, interrupted):
                    cancelled = await turn(blocks) == "cancelled" or cancelled
                    failed = failed or channel.failed
            except _Interrupted:
                print("tandem: interrupted", file=sys.stderr)
                cancelled = True
    finally:
        await service.shutdown()
    if cancelled:
        return 130
    return 1 if failed else 0
