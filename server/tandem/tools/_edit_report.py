"""Shared by Edit and Write: send the change for review, then tell the model exactly what became of it."""

from __future__ import annotations

from pathlib import Path

from tandem_protocol import DiffToolCallContent

from ._common import changed_snippet
from .base import EditOutcome, ToolContext, ToolError, ToolResult

SNIPPET_LINES = 60


async def propose_and_report(ctx: ToolContext, tool: str, path: Path, rel: str, current: str | None, new_text: str,
                             success: str) -> ToolResult:
    """`success` is the first sentence when every hunk was applied as proposed."""
    try:
        outcome = await ctx.propose_edit(tool, path, current, new_text)
    except OSError as e:
        raise ToolError(f"Could not write {rel}: {e.strerror or e}") from None
    if not outcome.applied:
        lines = [f"The change to {rel} was not applied: {(outcome.refused or 'the user rejected it').rstrip('.')}."]
        if outcome.feedback:
            lines.append(f"User feedback: {outcome.feedback}")
        lines.append(f"{rel} was not changed." if not outcome.stale else "Nothing was written.")
        return ToolResult(output="\n".join(lines), is_error=True)
    return ToolResult(output=describe(outcome, rel, current, success),
                      content=[DiffToolCallContent(path=str(path), old_text=current, new_text=outcome.text or "")])


def describe(outcome: EditOutcome, rel: str, before: str | None, success: str) -> str:
    partial = bool(outcome.rejected) and not outcome.user_text
    if outcome.user_text:
        head = f"The user modified your proposed change to {rel} before accepting it; the file now holds their version."
    elif partial:
        head = (f"The user applied {len(outcome.accepted)} of the {outcome.total} hunks you proposed for {rel} "
                f"and rejected {len(outcome.rejected)}. Rejected hunks (NOT in the file):\n{outcome.rejected_diff}")
    else:
        head = success
    lines = [head]
    if outcome.kept_user_edits:
        lines.append("The user edited the file while your change was pending; their edits were kept around it.")
    lines.append("Here's the result of running `cat -n` on a snippet of the edited file:")
    lines.append(changed_snippet(before or "", outcome.text or "", max_lines=SNIPPET_LINES))
    if outcome.feedback:
        lines.append(f"User feedback: {outcome.feedback}")
    return "\n".join(lines)
