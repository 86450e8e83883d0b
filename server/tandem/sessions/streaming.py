"""Turns model deltas into message and thought chunks, coalescing what arrives in one loop tick."""

from __future__ import annotations

import asyncio
import uuid
from typing import Callable

from tandem_protocol import AgentMessageChunk, AgentThoughtChunk, TextContent


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:16]}"


class ChunkStreamer:
    """A StreamSink: deltas are gathered and sent on the next loop iteration, so a burst becomes one
    notification while a lone delta goes out with no added wait."""

    def __init__(self, emit: Callable[[object, bool], None]) -> None:
        self._emit = emit
        self._text: list[str] = []
        self._thought: list[str] = []
        self._shown: list[str] = []
        self._scheduled = False
        self.message_id = new_id("msg")

    def begin(self) -> None:
        self.flush()
        self._shown = []
        self.message_id = new_id("msg")

    def partial_text(self) -> str:
        self.flush()
        return "".join(self._shown)

    def on_text(self, text: str) -> None:
        self._text.append(text)
        self._schedule()

    def on_thinking(self, text: str) -> None:
        self._thought.append(text)
        self._schedule()

    def on_retry(self, attempt: int, delay: float, reason: str) -> None:
        self.flush()
        notice = f"_{reason[:300]}. Retrying in {delay:.1f} s (attempt {attempt + 1})…_\n\n"
        self._emit(AgentMessageChunk(content=TextContent(text=notice), message_id=new_id("notice"),
                                     meta={"tandem": {"notice": "retry"}}), True)

    def _schedule(self) -> None:
        if not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> None:
        self._scheduled = False
        if self._thought:
            text = "".join(self._thought)
            self._thought.clear()
            self._emit(AgentThoughtChunk(content=TextContent(text=text), message_id=self.message_id + "_t"), True)
        if self._text:
            text = "".join(self._text)
            self._text.clear()
            self._shown.append(text)
            self._emit(AgentMessageChunk(content=TextContent(text=text), message_id=self.message_id), True)
