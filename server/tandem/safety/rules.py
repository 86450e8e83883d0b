"""Permission rules such as `Bash(npm run test:*)` or `Edit(src/**)`, and how they match a tool call."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_RULE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_]*)\s*(?:\((.*)\))?\s*$", re.S)
# Any of these makes a command compound or dynamic; such a command matches no allow rule as a whole.
_SHELL_META = re.compile(r"[;&|`$<>(){}\n\\]")


class BadRule(ValueError):
    """A rule that does not parse."""


@dataclass(frozen=True)
class Rule:
    """`Tool` or `Tool(pattern)`: Bash patterns match the command (`prefix:*` matches that prefix and its
    arguments), file patterns are globs on the path relative to the workspace (`**` crosses folders)."""

    tool: str
    pattern: str | None = None

    @classmethod
    def parse(cls, text: str) -> Rule:
        m = _RULE.match(text)
        if not m:
            raise BadRule(f"Not a permission rule: {text!r} (expected Tool or Tool(pattern))")
        pattern = m.group(2)
        return cls(m.group(1), pattern.strip() if pattern is not None and pattern.strip() else None)

    def __str__(self) -> str:
        return self.tool if self.pattern is None else f"{self.tool}({self.pattern})"

    def matches(self, tool: str, subject: str) -> bool:
        if tool != self.tool:
            return False
        if self.pattern is None:
            return True
        if tool == "Bash":
            return command_matches(self.pattern, subject)
        return glob_regex(self.pattern).fullmatch(subject) is not None


def command_matches(pattern: str, command: str) -> bool:
    """Exact match, or for `prefix:*` the prefix followed by nothing or by arguments. Compound commands
    never match (each part must be allowed on its own, which the caller checks)."""
    command = command.strip()
    if _SHELL_META.search(command):
        return False
    if pattern.endswith(":*"):
        prefix = pattern[:-2].strip()
        return command == prefix or command.startswith(prefix + " ")
    return command == pattern.strip()


@lru_cache(maxsize=256)
def glob_regex(pattern: str) -> re.Pattern[str]:
    """A gitignore-like glob as a regex: `*` stays in a folder, `**` crosses folders."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        out.append("[^/]*" if c == "*" else "[^/]" if c == "?" else re.escape(c))
        i += 1
    return re.compile("".join(out))
