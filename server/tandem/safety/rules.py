"""Permission rules such as `Bash(npm run test:*)`, `Edit(src/**)` or `Read(.env*)`, and how they match a tool call.

Bash: a command is split into the simple commands it runs (see shell.py). `prefix:*` matches a
simple command whose first words are the prefix's words; a rule without it matches the words exactly. Allow rules
must match every part on its own (or the whole command text exactly: what "allow always" saves); deny and ask rules match any part, also
under wrappers (`sudo`, `env`, `xargs`, `timeout`, `bash -c "..."`, `eval`, `find -exec`, `/bin/rm` for `rm`).

Files: gitignore-like globs on the path relative to the workspace (`*` stays in a folder, `**` crosses folders, a
pattern without a slash matches the file name at any depth); `/abs/**` and `~/...` match absolute paths.
`Edit(...)` rules also cover Write, and `Read(...)` rules cover Grep and Glob.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from .shell import Command, Unsure, Word, split

_RULE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_]*)\s*(?:\((.*)\))?\s*$", re.DOTALL)
FAMILIES = {"Edit": ("Edit", "Write"), "Read": ("Read", "Grep", "Glob")}
# Parts that do nothing on their own: allowed in a compound command without a rule.
HARMLESS = {"cd", "pushd", "popd", "true", "false", ":", "pwd"}


class BadRule(ValueError):
    """A rule that does not parse."""


@dataclass(frozen=True)
class Rule:
    """`Tool` or `Tool(pattern)`."""

    tool: str
    pattern: str | None = None

    @classmethod
    def parse(cls, text: str) -> Rule:
        if not isinstance(text, str):
            raise BadRule(f"Not a permission rule: {text!r} (expected a string such as \"Bash(npm test:*)\")")
        m = _RULE.match(text)
        if not m:
            raise BadRule(f"Not a permission rule: {text!r} (expected Tool or Tool(pattern))")
        pattern = m.group(2)
        pattern = pattern.strip() if pattern is not None and pattern.strip() else None
        if pattern in ("*", "**"):
            pattern = None
        rule = cls(m.group(1), pattern)
        if rule.tool == "Bash" and pattern is not None:
            bash_pattern(pattern)  # raises BadRule
        return rule

    def __str__(self) -> str:
        return self.tool if self.pattern is None else f"{self.tool}({self.pattern})"

    def covers(self, tool: str) -> bool:
        return tool in FAMILIES.get(self.tool, (self.tool,))

    def matches(self, tool: str, subject: str, absolute: str | None = None) -> bool:
        """For file tools: `subject` is the path relative to the workspace (or absolute when outside it) and
        `absolute` the absolute path. For Bash: every part of the command is matched by this rule."""
        if not self.covers(tool):
            return False
        if self.pattern is None:
            return True
        if tool == "Bash":
            return allowed_by([self], subject)
        return path_matches(self.pattern, subject, absolute)


# ---- files ------------------------------------------------------------------------------------


def path_matches(pattern: str, subject: str, absolute: str | None = None) -> bool:
    if pattern.startswith("~/"):
        pattern = os.path.expanduser("~") + pattern[1:]
    if pattern.startswith("/"):
        target = absolute if absolute is not None else subject
        return glob_regex(pattern).fullmatch(target) is not None
    if subject.startswith("/"):
        return False  # a relative pattern says nothing of files outside the workspace
    return glob_regex(pattern).fullmatch(subject) is not None


@lru_cache(maxsize=512)
def glob_regex(pattern: str) -> re.Pattern[str]:
    """A gitignore-like glob as a regex: `*` stays in a folder, `**` crosses folders, no slash = any depth,
    a trailing slash = everything under that folder."""
    if pattern.endswith("/"):
        pattern += "**"
    if "/" not in pattern.rstrip("/"):
        pattern = "**/" + pattern
    tail = ""
    if pattern.endswith("/**"):  # the folder itself too (a Grep or Glob of it)
        pattern, tail = pattern[:-3], "(?:/.*)?"
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
    return re.compile("".join(out) + tail, re.DOTALL)


# ---- commands -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BashPattern:
    prefix: bool
    text: str  # the pattern without `:*`
    command: Command | None  # None: an exact pattern that is not one simple command (matches the whole text only)


@lru_cache(maxsize=512)
def bash_pattern(pattern: str) -> BashPattern:
    text = pattern.strip()
    prefix = text.endswith(":*")
    if prefix:
        text = text[:-2].rstrip()
    try:
        commands = split(text)
    except Unsure as e:
        if prefix:
            raise BadRule(f"Bash({pattern}): cannot parse the command prefix ({e})") from None
        commands = []
    if len(commands) != 1 or not commands[0].words:
        if prefix:
            raise BadRule(f"Bash({pattern}): a prefix pattern is one simple command (no &&, ;, | or subshells)")
        return BashPattern(False, text, None)
    if prefix and commands[0].redirects:
        raise BadRule(f"Bash({pattern}): a prefix pattern cannot contain redirections")
    return BashPattern(prefix, text, commands[0])


def _same(a: Word, b: Word) -> bool:
    if a.static and b.static:
        return a.value == b.value
    return a.raw == b.raw


def part_allowed(rule: Rule, part: Command) -> bool:
    """Does an allow rule permit this simple command, taken literally?"""
    if rule.tool != "Bash":
        return False
    if rule.pattern is None:
        return True
    pat = bash_pattern(rule.pattern)
    if pat.command is None:
        return False
    words = pat.command.words
    if pat.prefix:
        if part.writes or len(part.words) < len(words):
            return False
        return all(_same(w, p) and p.static for w, p in zip(part.words, words))
    if len(part.words) != len(words) or len(part.redirects) != len(pat.command.redirects):
        return False
    return (all(_same(w, p) for w, p in zip(part.words, words))
            and all(str(a) == str(b) for a, b in zip(part.redirects, pat.command.redirects)))


def harmless(part: Command) -> bool:
    if part.writes:
        return False
    if not part.words:
        return True  # only input redirections: `done < file`
    return part.words[0].static and part.words[0].value in HARMLESS


def allowed_by(rules: list[Rule], command: str) -> bool:
    """Is the whole command allowed: its exact text by one rule, or each part by some rule?"""
    bash = [r for r in rules if r.tool == "Bash"]
    if not bash:
        return False
    text = command.strip()
    for r in bash:
        if r.pattern is None or (not bash_pattern(r.pattern).prefix and bash_pattern(r.pattern).text == text):
            return True
    try:
        parts = split(text)
    except Unsure:
        return False
    if not parts:
        return False
    return all(harmless(p) or any(part_allowed(r, p) for r in bash) for p in parts)


Hit = tuple[Literal["match", "unknown"], Rule, str]


def first_hit(rules: list[Rule], command: str) -> Hit | None:
    """The first deny/ask rule that matches some part of the command (under wrappers too): ("match", rule,
    part), or ("unknown", rule, why) when a part cannot be checked (a program name known only at run time,
    or syntax the splitter does not vouch for)."""
    bash = [r for r in rules if r.tool == "Bash"]
    if not bash:
        return None
    text = command.strip()
    for r in bash:
        if r.pattern is None or bash_pattern(r.pattern).text == text:
            return ("match", r, text)
    bash = [r for r in bash if bash_pattern(r.pattern).command is not None]  # type: ignore[arg-type]
    if not bash:
        return None
    unknown: Hit | None = None
    try:
        parts = split(command)
    except Unsure as e:
        token = _crude_hit(bash, command)
        if token is not None:
            return ("match", token, command.strip())
        return ("unknown", bash[0], f"the command uses shell syntax Tandem cannot check ({e})")
    for part in parts:
        try:
            variants = list(_variants(part.words, 0))
        except Unsure as e:
            token = _crude_hit(bash, part.text)
            if token is not None:
                return ("match", token, part.text)
            unknown = unknown or ("unknown", bash[0], f"`{part.text}` cannot be checked ({e})")
            continue
        for words in variants:
            for r in bash:
                state = _deny_match(r, words)
                if state == "match":
                    return ("match", r, part.text)
                if state == "unknown" and unknown is None:
                    unknown = ("unknown", r, f"`{part.text}` has a word known only at run time")
    return unknown


def _deny_match(rule: Rule, words: list[Word]) -> str | None:
    pat = bash_pattern(rule.pattern)  # type: ignore[arg-type]
    assert pat.command is not None
    want = pat.command.words
    if not words:
        return None
    for i, p in enumerate(want):
        if i >= len(words):
            return None
        w = words[i]
        if not w.static:
            return "unknown"  # cannot tell what this word will be
        if w.value != p.value:
            return None
    if pat.prefix or len(words) == len(want):
        return "match"
    return None


WRAPPERS: dict[str, tuple[set[str], int]] = {
    # program: (options taking an argument, positional arguments before the command)
    "sudo": ({"-u", "-g", "-h", "-p", "-C", "-D", "-r", "-t", "-U", "-T"}, 0),
    "doas": ({"-u", "-C"}, 0),
    "env": ({"-u", "-C", "-S", "--unset", "--chdir"}, 0),
    "nice": ({"-n", "--adjustment"}, 0),
    "ionice": ({"-c", "-n", "-p", "-P", "-u"}, 0),
    "nohup": (set(), 0),
    "time": ({"-f", "-o"}, 0),
    "command": (set(), 0),
    "builtin": (set(), 0),
    "exec": ({"-a"}, 0),
    "setsid": (set(), 0),
    "stdbuf": ({"-i", "-o", "-e"}, 0),
    "timeout": ({"-k", "-s", "--kill-after", "--signal"}, 1),
    "chrt": (set(), 1),
    "taskset": (set(), 1),
    "flock": ({"-w", "-E", "-c"}, 1),
    "watch": ({"-n", "-d", "--interval"}, 0),
    "xargs": ({"-a", "-d", "-E", "-e", "-I", "-i", "-L", "-l", "-n", "-P", "-s", "--arg-file", "--delimiter",
               "--max-args", "--max-procs", "--replace"}, 0),
    "strace": ({"-e", "-o", "-p", "-s", "-u"}, 0),
    "unbuffer": (set(), 0),
    "caffeinate": (set(), 0),
}
SHELLS = {"sh", "bash", "dash", "zsh", "ksh", "ash", "busybox"}
_ASSIGN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")


def _basename(word: Word) -> Word:
    if word.static and "/" in word.value:  # type: ignore[operator]
        base = word.value.rstrip("/").rsplit("/", 1)[-1]  # type: ignore[union-attr]
        return Word(base, base)
    return word


def _variants(words: list[Word], depth: int):
    """The word lists a part may run: as written, and with wrappers, assignments and paths peeled off."""
    if depth > 8:
        raise Unsure("wrappers nested too deeply")
    yield words
    i = 0
    while i < len(words) and (_ASSIGN.match(words[i].raw) and (words[i].value is None or "=" in words[i].value)):
        i += 1  # FOO=bar cmd
    if i >= len(words):
        return
    first = _basename(words[i])
    rest = words[i + 1:]
    if i or first is not words[i]:
        yield [first, *rest]
    name = first.value if first.static else None
    if name in WRAPPERS:
        takes_arg, positional = WRAPPERS[name]
        j = 0
        while j < len(rest):
            v = rest[j].value
            if v == "--":
                j += 1
                break
            if v is None:
                raise Unsure(f"{name} with an option known only at run time")
            if v.startswith("-") and len(v) > 1:
                j += 2 if v in takes_arg else 1
                continue
            if name == "env" and "=" in v:
                j += 1
                continue
            break
        j += positional
        if j < len(rest):
            yield from _variants(rest[j:], depth + 1)
        return
    if name in SHELLS:
        for j, w in enumerate(rest):
            v = w.value
            if v is None:
                raise Unsure(f"{name} with an argument known only at run time")
            if v.startswith("-") and "c" in v.lstrip("-") and not v.startswith("--"):
                if j + 1 >= len(rest) or rest[j + 1].value is None:
                    raise Unsure(f"{name} -c with a command known only at run time")
                for inner in split(rest[j + 1].value):  # type: ignore[arg-type]
                    yield from _variants(inner.words, depth + 1)
                return
            if not v.startswith("-"):
                return  # a script file
        return
    if name == "eval":
        if any(w.value is None for w in rest):
            raise Unsure("eval of text known only at run time")
        for inner in split(" ".join(w.value for w in rest)):  # type: ignore[misc]
            yield from _variants(inner.words, depth + 1)
        return
    if name in ("find", "fd"):
        for j, w in enumerate(rest):
            if w.value in ("-exec", "-execdir", "-ok", "-okdir", "-x", "--exec", "-X", "--exec-batch"):
                end = next((k for k in range(j + 1, len(rest)) if rest[k].value in (";", "+")), len(rest))
                if end > j + 1:
                    yield from _variants(rest[j + 1:end], depth + 1)


def _crude_hit(rules: list[Rule], text: str) -> Rule | None:
    """For text the splitter cannot read: a rule whose program name appears anywhere as a word."""
    for r in rules:
        command = bash_pattern(r.pattern).command  # type: ignore[arg-type]
        words = command.words if command is not None else []
        name = words[0].value if words and words[0].static else None
        if name and re.search(r"(?<![\w.-])" + re.escape(name) + r"(?![\w.-])", text):
            return r
    return None


def exact_command_rule(command: str) -> Rule | None:
    """The narrowest rule that allows exactly this command (what "allow always" saves); None when no rule can
    say "exactly this" (a command ending in `:*` would read as a prefix)."""
    text = command.strip()
    if not text or text.endswith(":*"):
        return None
    return Rule("Bash", text)
