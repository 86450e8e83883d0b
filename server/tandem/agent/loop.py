"""The agent loop: call the model, run the tools it asked for, feed back the results, until it stops."""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

from .model import Model, ModelError, ModelReply, ModelRequest, StreamSink

MAX_STEPS = 200
STOP_REASONS = {"end_turn": "end_turn", "stop_sequence": "end_turn", "max_tokens": "max_tokens",
                "refusal": "refusal", "pause_turn": "end_turn"}
CANCELLED_RESULT = "The user cancelled this tool call before it finished."


class TurnHost(Protocol):
    """What the loop needs from its session; it knows nothing of editors or transports."""

    model: Model
    sink: StreamSink

    def build_request(self, history: list[dict[str, Any]]) -> ModelRequest: ...

    def begin_message(self) -> None: ...

    def partial_text(self) -> str: ...

    def record(self, message: dict[str, Any]) -> None: ...

    def on_reply(self, reply: ModelReply) -> None: ...

    async def run_tool(self, block: dict[str, Any]) -> dict[str, Any]: ...


async def run_turn(host: TurnHost, history: list[dict[str, Any]]) -> str:
    """Run one turn over `history` (which ends with the user's message); returns an ACP stop reason.
    Raises CancelledError or ModelError, always leaving `history` well formed."""
    prepare = getattr(host, "before_model_call", None)  # optional: a host may compact the history here
    for _ in range(MAX_STEPS):
        if prepare is not None:
            await prepare(history)
        host.begin_message()
        try:
            reply = await host.model.stream(host.build_request(history), host.sink)
        except (asyncio.CancelledError, ModelError):
            partial = host.partial_text()
            if partial:
                _append(host, history, {"role": "assistant", "content": [
                    {"type": "text", "text": partial + "\n\n[interrupted]"}]})
            raise
        _append(host, history, {"role": "assistant", "content": reply.content})
        host.on_reply(reply)
        tool_uses = [b for b in reply.content if b.get("type") == "tool_use"]
        if not tool_uses:
            return STOP_REASONS.get(reply.stop_reason or "end_turn", "end_turn")
        results: list[dict[str, Any]] = []
        try:
            for block in tool_uses:
                results.append(await host.run_tool(block))
        finally:
            done = {r["tool_use_id"] for r in results}
            results += [{"type": "tool_result", "tool_use_id": b["id"], "content": CANCELLED_RESULT, "is_error": True}
                        for b in tool_uses if b["id"] not in done]
            _append(host, history, {"role": "user", "content": results})
    return "max_turn_requests"


def _append(host: TurnHost, history: list[dict[str, Any]], message: dict[str, Any]) -> None:
    history.append(message)
    host.record(message)
