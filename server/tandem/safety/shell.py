"""A small bash tokenizer for permission checks: splits a command line into the simple commands it would run.

`split(command)` returns every simple command in the line, including those inside subshells, `$(...)`, backticks,
process substitutions and here-documents, each with its words and redirections. It raises `Unsure` for anything it
cannot vouch for (unbalanced quotes, `case`, functions, arrays, arithmetic on names...): the caller then treats
the command as not allowed. It never runs anything and never expands anything: a word whose value depends on the
run time (`$x`, `$(...)`, `{a,b}`, `$'...'`) has `value=None`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


class Unsure(ValueError):
    """The command uses shell syntax this tokenizer does not vouch for."""


@dataclass(frozen=True)
class Word:
    raw: str  # as written
    value: str | None  # after quote removal; None when it expands at run time
    glob: bool = False  # has unquoted *, ? or [

    @property
    def static(self) -> bool:
        return self.value is not None and not self.glob


@dataclass(frozen=True)
class Redirect:
    fd: str
    op: str  # > >> >| &> &>> < <> <& >& << <<- <<<
    target: Word

    @property
    def writes_file(self) -> bool:
        """An output redirection to a file (not a descriptor, not /dev/null)."""
        if self.op not in (">", ">>", ">|", "&>", "&>>", "<>", ">&"):
            return False
        target = self.target.value
        if self.op == ">&" and target is not None and (target.isdigit() or target == "-"):
            return False
        return target not in ("/dev/null", "/dev/stdout", "/dev/stderr")

    def __str__(self) -> str:
        return f"{self.fd}{self.op}{self.target.raw}"


@dataclass
class Command:
    words: list[Word] = field(default_factory=list)
    redirects: list[Redirect] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join([w.raw for w in self.words] + [str(r) for r in self.redirects])

    @property
    def writes(self) -> list[Redirect]:
        return [r for r in self.redirects if r.writes_file]

    def __bool__(self) -> bool:
        return bool(self.words or self.redirects)


SKIPPED_WORDS = {"if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "{", "}", "time"}
# case/function/coproc: not parsed; let/declare/typeset/local: arithmetic on values; trap: runs a string later.
UNSURE_WORDS = {"case", "esac", "function", "coproc", "((", "let", "declare", "typeset", "local", "trap"}
LOOP_WORDS = {"for", "select"}
_WORD_END = set(" \t\n;&|()<>")
_REDIRECT = re.compile(r"(\d*)(&>>|&>|>>|>&|>\||<<<|<<-|<<|<&|<>|>|<)")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ARITH_LITERAL = re.compile(r"[0-9\s+\-*/%()<>=!&|^~?:,]*")
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=")
_ARITH_TEST = {"-eq", "-ne", "-lt", "-le", "-gt", "-ge"}
MAX_DEPTH = 40


def split(command: str) -> list[Command]:
    """Every simple command `command` would run, in source order (outer commands before what they contain is not
    guaranteed). Raises Unsure."""
    parser = _Parser(command)
    parser.parse_list(None)
    return parser.commands


def split_words(text: str) -> list[Word]:
    """The words of one simple command (for rule patterns): Unsure if `text` is not exactly one command."""
    commands = split(text)
    if len(commands) != 1 or commands[0].redirects:
        raise Unsure(f"not a single simple command: {text!r}")
    return commands[0].words


class _Parser:
    def __init__(self, src: str, depth: int = 0) -> None:
        if depth > MAX_DEPTH:
            raise Unsure("nested too deeply")
        self.s = src
        self.i = 0
        self.n = len(src)
        self.depth = depth
        self.commands: list[Command] = []
        self.heredocs: list[tuple[str, bool, bool]] = []  # (delimiter, quoted, strip tabs)

    # ---- lists of commands ------------------------------------------------------------------

    def parse_list(self, closer: str | None) -> None:
        """Commands up to `closer` (`)`) or the end of the text."""
        cmd = Command()
        s = self.s
        while True:
            self._blanks()
            if self.i >= self.n:
                self._finish(cmd)
                if closer is not None:
                    raise Unsure("unbalanced parenthesis")
                if self.heredocs:
                    self.heredocs.clear()  # bash reads a missing body as empty, with a warning
                return
            c = s[self.i]
            if c == closer:
                self._finish(cmd)
                self.i += 1
                return
            if c == "\n":
                self._finish(cmd)
                cmd = Command()
                self.i += 1
                self._read_heredocs()
                continue
            if c == "#":  # at the start of a word: a comment
                while self.i < self.n and s[self.i] != "\n":
                    self.i += 1
                continue
            if s.startswith(";;", self.i) or s.startswith(";&", self.i):
                raise Unsure("case clauses")
            if c in ";&|":
                if s.startswith("&>", self.i):  # &> and &>> are redirections
                    self._redirect(cmd)
                    continue
                self._finish(cmd)
                cmd = Command()
                self.i += 2 if s.startswith(("&&", "||", "|&"), self.i) else 1
                continue
            if c == "(":
                if cmd or s.startswith("((", self.i):
                    raise Unsure("function definition or arithmetic command")
                self.i += 1
                self._nested_list(")")
                continue
            if c == ")":
                raise Unsure("unbalanced parenthesis")
            if c in "<>" and s.startswith("(", self.i + 1):
                cmd.words.append(self._word())  # process substitution as an argument
                continue
            if c in "<>" or (c.isdigit() and _REDIRECT.match(s, self.i) and _REDIRECT.match(s, self.i).group(1)):
                self._redirect(cmd)
                continue
            word = self._word()
            if not cmd.words and not cmd.redirects:
                if word.value in SKIPPED_WORDS and word.raw == word.value:
                    continue
                if word.value in UNSURE_WORDS or word.raw.startswith("(("):
                    raise Unsure(f"`{word.raw}`")
                if word.value == "[[":
                    self._check_double_bracket()
            cmd.words.append(word)

    def _nested_list(self, closer: str) -> None:
        """A subshell or command substitution: parsed in place, its commands added to ours."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise Unsure("nested too deeply")
        self.parse_list(closer)
        self.depth -= 1

    def _finish(self, cmd: Command) -> None:
        if not cmd:
            return
        first = cmd.words[0].value if cmd.words else None
        if first in LOOP_WORDS:
            return  # `for x in words`: its words' substitutions are already recorded
        if cmd.words and cmd.words[0].value == "[[" and (cmd.words[-1].value != "]]"):
            raise Unsure("[[ ... ]] with && or || inside")
        for word in cmd.words:
            m = _ASSIGNMENT.match(word.raw)
            if m and m.group(1):
                raise Unsure("array element assignment")
        self.commands.append(cmd)

    def _check_double_bracket(self) -> None:
        """`[[ ... ]]` evaluates the operands of -eq and friends as arithmetic (which can run commands)."""
        end = self.s.find("]]", self.i)
        segment = self.s[self.i:end if end >= 0 else self.n]
        if any(op in segment.split() for op in _ARITH_TEST):
            raise Unsure("arithmetic comparison in [[ ]]")

    def _blanks(self) -> None:
        s = self.s
        while self.i < self.n:
            if s[self.i] in " \t":
                self.i += 1
            elif s.startswith("\\\n", self.i):
                self.i += 2
            else:
                return

    # ---- redirections and here-documents ----------------------------------------------------

    def _redirect(self, cmd: Command) -> None:
        m = _REDIRECT.match(self.s, self.i)
        if m is None:
            raise Unsure("redirection")
        self.i = m.end()
        fd, op = m.group(1), m.group(2)
        self._blanks()
        if self.i >= self.n or self.s[self.i] in _WORD_END:
            raise Unsure("redirection without a target")
        target = self._word()
        if op in ("<<", "<<-"):
            if target.value is None:
                raise Unsure("here-document delimiter with an expansion")
            quoted = any(q in target.raw for q in "'\"\\")
            self.heredocs.append((target.value, quoted, op == "<<-"))
        cmd.redirects.append(Redirect(fd, op, target))

    def _read_heredocs(self) -> None:
        """The bodies of the here-documents opened on the line that just ended."""
        pending, self.heredocs = self.heredocs, []
        for delimiter, quoted, strip in pending:
            lines: list[str] = []
            while self.i < self.n:
                end = self.s.find("\n", self.i)
                line = self.s[self.i:end if end >= 0 else self.n]
                self.i = end + 1 if end >= 0 else self.n
                if (line.lstrip("\t") if strip else line) == delimiter:
                    break
                lines.append(line)
            if not quoted:
                body = _Parser("\n".join(lines), self.depth + 1)
                body._double_quoted(terminator=None)
                self.commands.extend(body.commands)

    # ---- words ------------------------------------------------------------------------------

    def _word(self) -> Word:
        s, start = self.s, self.i
        value: list[str] = []
        dynamic = glob = False
        brace = 0  # unquoted { seen
        bracket = False  # unquoted [ seen (a glob if a ] follows)
        brace_expands = False
        while self.i < self.n:
            c = s[self.i]
            if c in "<>" and s.startswith("(", self.i + 1):
                self.i += 2
                self._nested_list(")")
                dynamic = True
                continue
            if c in _WORD_END:
                if c == "(" and value and value[-1].endswith("="):
                    raise Unsure("array assignment")
                break
            if c == "\\":
                if s.startswith("\\\n", self.i):
                    self.i += 2
                    continue
                value.append(s[self.i + 1:self.i + 2] or "\\")
                self.i += 2
                continue
            if c == "'":
                end = s.find("'", self.i + 1)
                if end < 0:
                    raise Unsure("unterminated single quote")
                value.append(s[self.i + 1:end])
                self.i = end + 1
                continue
            if c == '"':
                self.i += 1
                text, live = self._double_quoted('"')
                value.append(text)
                dynamic |= live
                continue
            if c == "$":
                if s.startswith("$'", self.i):
                    self._ansi_c()
                    dynamic = True
                    continue
                if s.startswith('$"', self.i):
                    self.i += 2
                    self._double_quoted('"')
                    dynamic = True
                    continue
                if self._dollar():
                    dynamic = True
                else:
                    value.append("$")
                continue
            if c == "`":
                self._backtick()
                dynamic = True
                continue
            if c in "*?" or (c == "]" and bracket):
                glob = True
            elif c == "[":
                bracket = True
            elif c == "{":
                brace += 1
            elif c == "}" and brace:
                brace -= 1
            elif brace and (c == "," or s.startswith("..", self.i)):
                brace_expands = True
            value.append(c)
            self.i += 1
        raw = s[start:self.i]
        if not raw:
            raise Unsure(f"unexpected {s[self.i:self.i + 1]!r}")
        if brace_expands:
            dynamic = True
        return Word(raw, None if dynamic else "".join(value), glob)

    def _double_quoted(self, terminator: str | None) -> tuple[str, bool]:
        """The text of a "..." string (self.i just past the opening quote) and whether it expands."""
        s = self.s
        value: list[str] = []
        live = False
        while self.i < self.n:
            c = s[self.i]
            if c == terminator:
                self.i += 1
                return "".join(value), live
            if c == "\\":
                nxt = s[self.i + 1:self.i + 2]
                if nxt == "\n":
                    self.i += 2
                elif nxt and nxt in '$`"\\':
                    value.append(nxt)
                    self.i += 2
                else:
                    value.append("\\")
                    self.i += 1
                continue
            if c == "$":
                if self._dollar():
                    live = True
                else:
                    value.append("$")
                continue
            if c == "`":
                self._backtick()
                live = True
                continue
            value.append(c)
            self.i += 1
        if terminator is not None:
            raise Unsure("unterminated double quote")
        return "".join(value), live

    def _dollar(self) -> bool:
        """At a `$`: consume an expansion and return True, or return False for a literal `$`."""
        s, i = self.s, self.i
        if s.startswith("$((", i):
            self._arithmetic()
            return True
        if s.startswith("$(", i):
            self.i += 2
            self._nested_list(")")
            return True
        if s.startswith("${", i):
            self.i += 2
            self._parameter()
            return True
        m = _NAME.match(s, i + 1)
        if m:
            self.i = m.end()
            return True
        if i + 1 < self.n and (s[i + 1].isdigit() or s[i + 1] in "@*#?$!-"):
            self.i += 2
            return True
        self.i += 1
        return False

    def _parameter(self) -> None:
        """`${...}` (self.i just past `${`): substitutions inside are recorded; subscripts and substring offsets
        (arithmetic) are not vouched for."""
        s = self.s
        start = self.i
        while self.i < self.n:
            c = s[self.i]
            if c == "}":
                body = s[start:self.i]
                self.i += 1
                if "[" in body:
                    raise Unsure("array subscript")
                m = re.match(r"[#!]?([A-Za-z_][A-Za-z0-9_]*|\d+|[@*#?$!-])(.?)", body)
                if m and m.group(2) == ":" and not re.match(r"[-=?+]", body[m.end():m.end() + 1]):
                    raise Unsure("substring expansion")
                if m and m.group(2) == "" and body.startswith("!"):
                    raise Unsure("indirect expansion")
                return
            if c == "\\":
                self.i += 2
            elif c == "'":
                end = s.find("'", self.i + 1)
                if end < 0:
                    raise Unsure("unterminated single quote")
                self.i = end + 1
            elif c == '"':
                self.i += 1
                self._double_quoted('"')
            elif c == "$":
                self._dollar()
            elif c == "`":
                self._backtick()
            elif c == "{":
                raise Unsure("nested braces in ${...}")
            else:
                self.i += 1
        raise Unsure("unterminated ${")

    def _arithmetic(self) -> None:
        """`$((...))`: only literal arithmetic is vouched for (names are evaluated recursively, and can run
        commands through array subscripts)."""
        s = self.s
        self.i += 3
        depth, start = 0, self.i
        while self.i < self.n:
            c = s[self.i]
            if c == "(":
                depth += 1
            elif c == ")":
                if depth == 0:
                    if not s.startswith("))", self.i):
                        raise Unsure("ambiguous $((")
                    body = s[start:self.i]
                    self.i += 2
                    if not _ARITH_LITERAL.fullmatch(body):
                        raise Unsure("arithmetic on names or expansions")
                    return
                depth -= 1
            self.i += 1
        raise Unsure("unterminated $((")

    def _backtick(self) -> None:
        """`...` (self.i at the opening backtick): its text is unescaped and parsed as a command line."""
        s = self.s
        self.i += 1
        out: list[str] = []
        while self.i < self.n:
            c = s[self.i]
            if c == "`":
                self.i += 1
                inner = _Parser("".join(out), self.depth + 1)
                inner.parse_list(None)
                self.commands.extend(inner.commands)
                return
            if c == "\\" and self.i + 1 < self.n and s[self.i + 1] in "$`\\":
                out.append(s[self.i + 1])
                self.i += 2
                continue
            out.append(c)
            self.i += 1
        raise Unsure("unterminated backtick")

    def _ansi_c(self) -> None:
        s = self.s
        self.i += 2
        while self.i < self.n:
            if s[self.i] == "\\":
                self.i += 2
                continue
            if s[self.i] == "'":
                self.i += 1
                return
            self.i += 1
        raise Unsure("unterminated $'")
