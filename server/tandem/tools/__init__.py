"""The agent's tools, one file each; ALL_TOOLS is what a session can offer the model."""

from __future__ import annotations

from .base import Tool
from .bash import Bash
from .edit import Edit
from .exit_plan_mode import ExitPlanMode
from .glob import Glob
from .grep import Grep
from .read import Read
from .todo_write import TodoWrite
from .write import Write

# A fixed order keeps the tools part of the request identical from call to call (prompt caching).
ALL_TOOLS: list[Tool] = [Read(), Edit(), Write(), Grep(), Glob(), Bash(), TodoWrite(), ExitPlanMode()]

_BY_NAME: dict[str, Tool] = {t.name: t for t in ALL_TOOLS}


def get_tool(name: str) -> Tool | None:
    """The tool the model calls `name`, or None for a name it made up."""
    return _BY_NAME.get(name)


__all__ = ["ALL_TOOLS", "get_tool", "Bash", "Edit", "ExitPlanMode", "Glob", "Grep", "Read", "TodoWrite", "Write"]
