"""Slash commands now live in the core (`tandem.sessions.commands`), so every door has them; kept for imports."""

from __future__ import annotations

from ...sessions.commands import BY_NAME, COMMANDS, Command, advertised, expand, parse

__all__ = ["BY_NAME", "COMMANDS", "Command", "advertised", "expand", "parse"]
