"""`tandem ask`: one turn without an editor, the answer streamed to stdout (as text or as JSON lines)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

import msgspec
from tandem_protocol import (
    AgentMessageChunk,
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

    def finish(self) -> None:
        if self.output == "text" and self._wrote_text:
            sys.stdout.write("\n")
            sys.stdout.flush()

    async def request_permission(self, request: RequestPermissionRequest) -> RequestPermissionResponse | None:
        return None

    async def write_open_buffer(self, path: Path, new_text: str, old_text: str | None) -> bool:
        return False


def refusal_hint(ask: PermissionAsk) -> str:
    rule = f"{ask.tool}({ask.subject})" if ask.tool == "Bash" else ask.tool
    return (f"{ask.tool} needs permission and `tandem ask` cannot prompt. The user can rerun with "
            f"--allow '{rule}' or --mode acceptEdits / bypassPermissions. Do not retry; explain what you needed.")


def run_ask(prompt: str, *, output: str, mode: str, allow: list[str], cwd: str | None, model: str | None) -> int:
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
    return asyncio.run(_ask(prompt, output, mode, rules, os.path.abspath(cwd or os.getcwd())))


async def _ask(prompt: str, output: str, mode: str, rules: list[Rule], cwd: str) -> int:
    from .service import AgentService

    channel = HeadlessChannel(output)
    service = AgentService(channel, policy_factory=lambda root: policy_for(root, rules))
    service.default_mode = mode

    def configure(session: Any) -> None:
        session.unattended_refusal = refusal_hint

    service.configure_session = configure
    created = await service.new_session(NewSessionRequest(cwd=cwd, mcp_servers=[]))
    task = asyncio.ensure_future(service.prompt(PromptRequest(session_id=created.session_id,
                                                              prompt=[TextContent(text=prompt)])))
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGINT, service.sessions[created.session_id].cancel)
    try:
        result = await task
    finally:
        channel.finish()
        await service.shutdown()
    if result.stop_reason == "cancelled":
        print("tandem: cancelled", file=sys.stderr)
        return 130
    return 1 if channel.failed else 0
