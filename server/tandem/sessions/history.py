"""Repairs a history cut short by a crash so the conversation can go on with full context."""

from __future__ import annotations

from typing import Any

from tandem_protocol import AgentMessageChunk, ToolCallProgress, ToolCallStart, UserMessageChunk

INTERRUPTED = "The server stopped before this tool call finished."


def repair_history(history: list[dict[str, Any]], updates: list[Any]) -> list[dict[str, Any]]:
    """Every tool_use gets a tool_result, and text shown after the last stored message is kept."""
    fixed = list(history)
    if fixed and fixed[-1]["role"] == "assistant":
        uses = [b["id"] for b in fixed[-1]["content"] if isinstance(b, dict) and b.get("type") == "tool_use"]
        if uses:
            fixed.append({"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": i, "content": INTERRUPTED, "is_error": True} for i in uses]})
    elif fixed and fixed[-1]["role"] == "user":
        shown = _text_after_last_prompt(updates)
        if shown:
            fixed.append({"role": "assistant", "content": [{"type": "text", "text": shown + "\n\n[interrupted]"}]})
    return fixed


def _text_after_last_prompt(updates: list[Any]) -> str:
    parts: list[str] = []
    for update in updates:
        if isinstance(update, UserMessageChunk):
            parts = []
        elif isinstance(update, AgentMessageChunk) and not _is_notice(update):
            parts.append(getattr(update.content, "text", ""))
    return "".join(parts)


def _is_notice(update: AgentMessageChunk) -> bool:
    return isinstance(update.meta, dict) and "tandem" in update.meta


def unfinished_tool_calls(updates: list[Any]) -> list[str]:
    """Tool calls that were started but never reached completed or failed."""
    open_calls: dict[str, None] = {}
    for update in updates:
        if isinstance(update, ToolCallStart):
            if update.status in ("completed", "failed"):
                open_calls.pop(update.tool_call_id, None)
            else:
                open_calls[update.tool_call_id] = None
        elif isinstance(update, ToolCallProgress) and update.status in ("completed", "failed"):
            open_calls.pop(update.tool_call_id, None)
    return list(open_calls)


def interrupted_update(tool_call_id: str) -> ToolCallProgress:
    return ToolCallProgress(tool_call_id=tool_call_id, status="failed")
