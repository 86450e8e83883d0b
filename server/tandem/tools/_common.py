"""Helpers shared by the tools: numbered listings, path checks, refusal messages, text content."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

from tandem_protocol import ContentToolCallContent, TextContent, ToolKind

from ..workspace import Workspace
from .base import Decision, PermissionAsk, ToolContext, ToolError

MAX_LINE_CHARS = 2000


def text_block(text: str) -> ContentToolCallContent:
    return ContentToolCallContent(content=TextContent(text=text))


def split_lines(text: str) -> list[str]:
    """Lines as an editor numbers them: only \\n ends a line (splitlines() would also split on \\f, \\u2028...),
    a trailing \\r is dropped, and a final newline does not start an extra empty line."""
    if not text:
        return []
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [ln[:-1] if ln.endswith("\r") else ln for ln in lines]


def numbered(lines: list[str], first: int, max_chars: int = MAX_LINE_CHARS) -> str:
    """`cat -n` style: the number right-aligned in six columns, a tab, the line (cut at max_chars)."""
    out = []
    for i, line in enumerate(lines, first):
        if len(line) > max_chars:
            line = f"{line[:max_chars]}… [{len(line) - max_chars} more chars]"
        out.append(f"{i:>6}\t{line}")
    return "\n".join(out)


def changed_snippet(old: str, new: str, context: int = 4, max_lines: int = 60) -> str:
    """The changed region of `new` (common leading and trailing lines trimmed), numbered, with context."""
    a, b = split_lines(old), split_lines(new)
    start = 0
    while start < len(a) and start < len(b) and a[start] == b[start]:
        start += 1
    end_a, end_b = len(a), len(b)
    while end_a > start and end_b > start and a[end_a - 1] == b[end_b - 1]:
        end_a -= 1
        end_b -= 1
    lo = max(0, start - context)
    hi = min(len(b), max(end_b, start) + context)
    if hi - lo > max_lines:
        hi = lo + max_lines
    if hi <= lo:
        return "(the file is now empty)"
    return numbered(b[lo:hi], lo + 1)


def missing_file_message(path: Path, workspace: Workspace) -> str:
    """'File does not exist', with near names from the same folder when there are any (one listdir)."""
    msg = f"File does not exist: {workspace.relative(path)}"
    parent = path.parent
    if not parent.is_dir():
        return f"{msg} (folder {workspace.relative(parent)} does not exist either)"
    try:
        names = os.listdir(parent)
    except OSError:
        return msg
    stem = path.stem.lower()
    # Same stem with another extension first (app.js for app.ts), then names that look alike.
    close = [n for n in names if Path(n).stem.lower() == stem and n != path.name]
    close += [n for n in difflib.get_close_matches(path.name, names, n=3, cutoff=0.6) if n not in close]
    if close:
        msg += ". Did you mean: " + ", ".join(workspace.relative(parent / n) for n in close[:3]) + "?"
    return msg


def refusal(decision: Decision, what: str) -> str:
    """What the model is told when a permission check says no: why, and the user's words if any."""
    reason = (decision.reason or "the user said no").rstrip(".")
    msg = f"{what} was refused: {reason}."
    if decision.feedback:
        msg += f"\nUser feedback: {decision.feedback}"
    return msg


async def check_outside(ctx: ToolContext, path: Path, tool: str, kind: ToolKind, title: str) -> None:
    """Reading inside the workspace is free, except likely secrets (`.env`, keys) and files a rule names (the
    context's `read_needs_check`); looking outside it goes through the permission check."""
    inside = ctx.workspace.contains(path)
    needs_check = getattr(ctx, "read_needs_check", None)
    if inside and not (needs_check is not None and needs_check(tool, path)):
        return
    decision = await ctx.authorize(PermissionAsk(tool=tool, kind=kind, title=title, subject=str(path)))
    if not decision.allowed:
        where = "outside the workspace" if not inside else "a file that needs permission to read"
        raise ToolError(refusal(decision, f"Access to {path} ({where})"))


def shown_path(path: str, workspace: Workspace | None) -> str:
    """The path for a title: relative to the root when a workspace is at hand, else as the model wrote it."""
    return workspace.relative(path) if workspace is not None else path


def refresh_title(ctx: ToolContext, plain: str, with_workspace: str) -> None:
    """`title(inp)` is called without the workspace; once running, show the root-relative path instead."""
    if with_workspace != plain:
        ctx.progress(title=with_workspace)
