"""Compaction: when the context window fills, the conversation so far becomes a summary (one model call) followed by
the recent turn. Also `/compact [focus]`. The new history is logged as one record, so a loaded session agrees.

History after compaction: [user: summary, assistant: acknowledgement, *kept], where `kept` is the current turn
(from its prompt) or, when that turn alone fills the window, its prompt and its last tool exchange."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import msgspec
from tandem_protocol import (
    AgentMessageChunk,
    CompactionInfo,
    CompactionUpdate,
    Cost,
    TextContent,
    UsageUpdate,
)

from ..agent.config import cost_usd
from ..agent.model import ModelError, ModelRequest
from .store import remap_turns
from .streaming import new_id

if TYPE_CHECKING:
    from .session import Session

THRESHOLD_ENV = "TANDEM_COMPACT_AT_TOKENS"
THRESHOLD_FRACTION = 0.8  # of the model's context window
SUMMARY_PREFIX = "[Summary of the earlier conversation, which was compacted to free the context window]\n\n"
ACK = "Understood. I have the summary of our earlier conversation and will continue from it."
SUMMARY_MAX_TOKENS = 16_000
BLOCK_CHARS = 2_000  # a tool input or result is cut to this in the transcript the summariser reads
SYSTEM = ("You summarise a working session between a user and Tandem, a coding agent in the user's editor, so that "
          "the agent can carry on with only your summary in place of the conversation. Never call tools.")
INSTRUCTIONS = """That is the whole conversation so far. Write the summary the agent will continue from, with these parts:
1. The user's instructions: every request, constraint, preference and correction, quoted where the exact words matter.
2. Open tasks: the plan (TodoWrite list) with each item's status, and what was being done when the summary was made.
3. Files: each file read, created or changed, what changed in it and why.
4. Decisions and findings: what was concluded or chosen, approaches rejected and why, errors met and how they were fixed.
5. The next step.
Keep paths, identifiers, commands and error messages exact. Be complete but brief: no pleasantries."""


def threshold(session: Session) -> int:
    """Context tokens above which the next model call is preceded by a compaction."""
    try:
        return int(os.environ[THRESHOLD_ENV])
    except (KeyError, ValueError):
        return int(session.config.model_info().context * THRESHOLD_FRACTION)


def is_summary(message: dict[str, Any]) -> bool:
    content = message.get("content")
    if message.get("role") != "user" or not isinstance(content, list) or not content:
        return False
    first = content[0]
    return isinstance(first, dict) and str(first.get("text", "")).startswith(SUMMARY_PREFIX)


def prompt_index(history: list[dict[str, Any]]) -> int | None:
    """Where the last user prompt is: the last user message that is not only tool results (nor a summary)."""
    for i in range(len(history) - 1, -1, -1):
        message = history[i]
        if message["role"] != "user" or is_summary(message):
            continue
        content = message["content"]
        if isinstance(content, str) or any(b.get("type") != "tool_result" for b in content):
            return i
    return None


@dataclass
class Cut:
    """What a compaction summarises and what it keeps. `start` is where the kept prompt was (turn records move)."""

    summarised: list[dict[str, Any]]
    kept: list[dict[str, Any]]
    start: int


def plan(history: list[dict[str, Any]], manual: bool) -> Cut | None:
    """None when there is nothing worth summarising."""
    fresh = 2 if history and is_summary(history[0]) else 0  # a previous summary and its acknowledgement
    if manual and history and history[-1]["role"] == "assistant":
        return Cut(list(history), [], len(history)) if len(history) > fresh else None
    p = prompt_index(history)
    if p is None:
        return None
    if p > fresh:  # earlier turns to summarise; the current one stays whole
        return Cut(history[:p], history[p:], p)
    if not manual and len(history) - p - 1 > 2 and history[-1]["role"] == "user":
        # the current turn alone fills the window: keep its prompt and last tool exchange, summarise the middle
        return Cut(history[:p] + history[p + 1:-2], [history[p], *history[-2:]], p)
    return None


def transcript(messages: list[dict[str, Any]]) -> str:
    """The conversation as plain text for the summariser: no tool definitions needed, long tool I/O cut short."""
    lines: list[str] = []
    for message in messages:
        content = message["content"]
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
        parts: list[str] = []
        for block in blocks:
            kind = block.get("type")
            if kind == "text":
                parts.append(block.get("text", ""))
            elif kind == "tool_use":
                parts.append(f"[tool call {block.get('name')}: {_cut(json.dumps(block.get('input'), ensure_ascii=False))}]")
            elif kind == "tool_result":
                error = " (error)" if block.get("is_error") else ""
                parts.append(f"[tool result{error}: {_cut(_result_text(block.get('content')))}]")
            elif kind in ("image", "document"):
                parts.append(f"[{kind}]")
        if parts:
            lines.append(f"### {message['role']}\n" + "\n".join(parts))
    return "\n\n".join(lines)


def _result_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(b.get("text", f"[{b.get('type')}]") for b in content if isinstance(b, dict))
    return ""


def _cut(text: str) -> str:
    return text if len(text) <= BLOCK_CHARS else text[:BLOCK_CHARS] + f"… [{len(text) - BLOCK_CHARS} more characters]"


def _facts(session: Session) -> str:
    """What the session itself knows for sure, added to the model's summary: the plan and the files."""
    out: list[str] = []
    if session.plan:
        out.append("The plan (TodoWrite) when this summary was made:")
        out += [f"- [{getattr(e, 'status', '')}] {getattr(e, 'content', '')}" for e in session.plan]
    changed = session.edits.review.paths()
    if changed:
        out.append("Files the agent changed in this session: " + ", ".join(changed))
    read = [p for p in session.read_files if p not in changed]
    if read:
        out.append("Files the agent read: " + ", ".join(read[-50:]))
    return "\n".join(out)


class _Collect:
    """The summariser's stream: kept out of the chat; retry notices still reach the user."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def on_text(self, text: str) -> None:
        pass

    def on_thinking(self, text: str) -> None:
        pass

    def on_retry(self, attempt: int, delay: float, reason: str) -> None:
        self.session.sink.on_retry(attempt, delay, reason)


async def compact(session: Session, *, trigger: str, focus: str = "") -> bool:
    """Summarise and replace the history; False when there was nothing to do or it failed (the history is kept)."""
    history = session.history
    cut = plan(history, manual=trigger == "manual")
    if cut is None:
        return False
    session.sink.flush()
    compaction_id = new_id("compact")
    rich = bool(getattr(session.channel, "supports_compaction", False))
    info = CompactionInfo(notice="compaction", trigger=trigger, messages_before=len(history),
                          tokens_before=session.context_used)
    if rich:
        session.emit(CompactionUpdate(compaction_id=compaction_id, status="in_progress", meta={"tandem": info}))
    instructions = INSTRUCTIONS + (f"\nFocus the summary on: {focus}" if focus else "")
    request = ModelRequest(model=session.config.model, system=[{"type": "text", "text": SYSTEM}],
                           messages=[{"role": "user", "content": [
                               {"type": "text", "text": transcript(cut.summarised) + "\n\n---\n\n" + instructions}]}],
                           tools=[], max_tokens=min(session.config.max_tokens, SUMMARY_MAX_TOKENS), effort="off")
    try:
        reply = await session.model.stream(request, _Collect(session))
        summary = "".join(b.get("text", "") for b in reply.content if b.get("type") == "text").strip()
        if not summary:
            raise ModelError("the model returned an empty summary")
    except ModelError as e:
        if rich:
            session.emit(CompactionUpdate(compaction_id=compaction_id, status="failed", error=str(e)))
        else:
            session.emit(_notice(f"_Could not compact the conversation ({e}); going on without._\n\n", info))
        return False
    except BaseException:
        if rich:
            session.emit(CompactionUpdate(compaction_id=compaction_id, status="cancelled"))
        raise
    _account(session, reply.usage)
    facts = _facts(session)
    text = SUMMARY_PREFIX + summary + (f"\n\n{facts}" if facts else "")
    new = [{"role": "user", "content": [{"type": "text", "text": text}]},
           {"role": "assistant", "content": [{"type": "text", "text": ACK}]}, *cut.kept]
    history[:] = new  # in place: the running turn holds this list
    remap_turns(session.turns, cut.start)
    session.log.compact(new, cut.start)
    request_now = session.build_request(history)
    estimate = len(msgspec.json.encode([request_now.system, request_now.tools, request_now.messages])) // 4
    session.context_used = estimate
    info = msgspec.structs.replace(info, messages_after=len(new), tokens_after=estimate)
    if rich:
        session.emit(CompactionUpdate(compaction_id=compaction_id, status="completed",
                                      summary=[TextContent(text=summary)], meta={"tandem": info}))
    else:
        note = (f"_Compacted the conversation: {info.messages_before} messages became a summary "
                f"({info.tokens_before:,} → about {estimate:,} tokens of context)._\n\n")
        session.emit(_notice(note, msgspec.structs.replace(info, summary=summary)))
    model_info = session.config.model_info()
    session.emit(UsageUpdate(used=estimate, size=model_info.context,
                             cost=Cost(amount=round(session.cost, 6), currency="USD")))
    return True


def _notice(text: str, info: CompactionInfo) -> AgentMessageChunk:
    return AgentMessageChunk(content=TextContent(text=text), message_id=new_id("notice"), meta={"tandem": info})


def _account(session: Session, usage: dict[str, int]) -> None:
    session.cost += cost_usd(session.config.model_info(), usage)
    session.totals["input"] += usage.get("input_tokens", 0)
    session.totals["output"] += usage.get("output_tokens", 0)


async def maybe_compact(session: Session, history: list[dict[str, Any]]) -> None:
    """Before a model call: compact when the last call said the context is above the threshold."""
    if session.context_used >= threshold(session) and history is session.history:
        started = time.monotonic()
        if await compact(session, trigger="auto"):
            session.last_compaction_s = time.monotonic() - started
