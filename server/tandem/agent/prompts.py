"""The system prompt, the plan-mode instruction and project memory (AGENTS.md, CLAUDE.md), as text."""

from __future__ import annotations

import datetime
import os
import platform
from pathlib import Path

SYSTEM = """You are Tandem, a coding agent working inside the user's editor on the project at {cwd}.
Use the tools to read, search, edit and run things; prefer doing over describing. Read a file before editing it.
Keep edits minimal and in the project's style. Open buffers may hold unsaved text: the tools see it.
Answer concisely in Markdown; refer to code as path:line. Never claim to have run or changed something you did not.
Environment: {platform}, today is {date}."""

PLAN_MODE = """Plan mode is on: do not change any files or run commands yet. Investigate with the read-only tools,
then present a concise plan and call ExitPlanMode with it to ask the user to approve it."""

MEMORY_FILES = ("AGENTS.md", "CLAUDE.md")
MEMORY_LIMIT = 40_000


def system_blocks(cwd: Path, plan_mode: bool) -> list[dict]:
    """The system prompt as content blocks: the stable part first so it caches."""
    text = SYSTEM.format(cwd=cwd, platform=platform.system(), date=datetime.date.today().isoformat())
    memory = project_memory(cwd)
    if memory:
        text += "\n\n" + memory
    blocks = [{"type": "text", "text": text}]
    if plan_mode:
        blocks.append({"type": "text", "text": PLAN_MODE})
    return blocks


def project_memory(cwd: Path) -> str:
    """Instructions the user keeps for the agent: user-level first, then the project's own."""
    config_home = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    candidates = [config_home / "tandem" / name for name in MEMORY_FILES]
    candidates += [cwd / name for name in MEMORY_FILES]
    parts = []
    for path in candidates:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")[:MEMORY_LIMIT]
        except OSError:
            continue
        parts.append(f'<memory source="{path}">\n{text.strip()}\n</memory>')
    return "\n".join(parts)
