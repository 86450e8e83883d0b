"""Hunks: the line diff between two texts, applied exactly (line endings kept) and rendered for editors and the model.

Hunk ids. A hunk's id is `blake2b(removed_text + NUL + added_text)` cut to 12 hex digits, followed by `.N` when it
is the N-th (N >= 1) earlier hunk of the same list with that digest. It depends only on the exact text the hunk
removes and adds and on its order among look-alike hunks, never on its line numbers, so recomputing hunks after
the user edited elsewhere (which only shifts them) yields the same ids, and ids are unique within one list.

Line numbers. `old_start`/`new_start` are 1-based and name the first line the hunk covers; for a pure insertion
(`old_lines == 0`) `old_start` is the line the text is inserted before (len + 1 at the end of the file), and the
same for `new_start` of a pure deletion. (Unified diff says "the line after which" instead; `to_unified`
converts.) Lines break on \\n, \\r\\n and \\r, as in LSP.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Literal, NamedTuple

import msgspec

from tandem.edits.linediff import Block, common_run, common_tail, diff_blocks, split_lines, strip_eol

PositionEncoding = Literal["utf-16", "utf-8", "utf-32"]


class Hunk(msgspec.Struct, frozen=True, kw_only=True):
    """One run of changed lines. `removed`/`added` are for display; `removed_text`/`added_text` are exact."""

    id: str
    old_start: int
    old_lines: int
    new_start: int
    new_lines: int
    removed: tuple[str, ...]
    added: tuple[str, ...]
    # Exact characters with their line endings: what makes CRLF and "no newline at end of file" round-trip.
    removed_text: str
    added_text: str


class TextEdit(NamedTuple):
    """An LSP-style edit: replace old[start, end) with new_text; positions are (line, character), 0-based."""

    start_line: int
    start_char: int
    end_line: int
    end_char: int
    new_text: str


class HunkMismatch(ValueError):
    """A hunk does not fit the text it is applied to (its removed lines are not there, or hunks overlap)."""


def compute_hunks(old: str, new: str) -> list[Hunk]:
    """The hunks turning `old` into `new`; apply_hunks(old, compute_hunks(old, new)) == new for every pair."""
    if old == new:
        return []
    old_lines = split_lines(old)
    new_lines = split_lines(new)
    return hunks_from_blocks(old_lines, new_lines, diff_blocks(old_lines, new_lines))


def hunks_from_blocks(old_lines: Sequence[str], new_lines: Sequence[str], blocks: Iterable[Block]) -> list[Hunk]:
    """Hunks for change blocks (0-based half-open line ranges) between two split texts, with their ids."""
    hunks: list[Hunk] = []
    ids = HunkIds()
    for i1, i2, j1, j2 in blocks:
        removed_text = "".join(old_lines[i1:i2])
        added_text = "".join(new_lines[j1:j2])
        hunks.append(
            Hunk(
                id=ids.assign(removed_text, added_text),
                old_start=i1 + 1,
                old_lines=i2 - i1,
                new_start=j1 + 1,
                new_lines=j2 - j1,
                removed=tuple(strip_eol(line) for line in old_lines[i1:i2]),
                added=tuple(strip_eol(line) for line in new_lines[j1:j2]),
                removed_text=removed_text,
                added_text=added_text,
            )
        )
    return hunks


class HunkIds:
    """Hands out hunk ids for one hunk list, in order (see the module docstring for the rule)."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def assign(self, removed_text: str, added_text: str) -> str:
        payload = f"{removed_text}\0{added_text}".encode("utf-8", "surrogatepass")
        digest = hashlib.blake2b(payload, digest_size=6).hexdigest()
        earlier = self._seen.get(digest, 0)
        self._seen[digest] = earlier + 1
        return digest if earlier == 0 else f"{digest}.{earlier}"


def apply_hunks(old: str, hunks: Iterable[Hunk]) -> str:
    """`old` with the given hunks applied (any subset, any order); raises HunkMismatch if one does not fit."""
    return apply_hunks_to_lines(split_lines(old), hunks)


def apply_hunks_to_lines(lines: Sequence[str], hunks: Iterable[Hunk]) -> str:
    """apply_hunks on text already split by split_lines."""
    pieces: list[str] = []
    cursor = 0
    for hunk in sorted(hunks, key=lambda h: (h.old_start, h.old_lines)):
        start = hunk.old_start - 1
        end = start + hunk.old_lines
        if start < cursor or end > len(lines):
            raise HunkMismatch(f"hunk {hunk.id} at line {hunk.old_start} overlaps another or lies past the end")
        if "".join(lines[start:end]) != hunk.removed_text:
            raise HunkMismatch(f"hunk {hunk.id}: lines {hunk.old_start}..{end} are not what it removes")
        pieces.append("".join(lines[cursor:start]))
        pieces.append(hunk.added_text)
        cursor = end
    pieces.append("".join(lines[cursor:]))
    return "".join(pieces)


def hunks_to_text_edits(old: str, hunks: Iterable[Hunk], encoding: PositionEncoding = "utf-16") -> list[TextEdit]:
    """Minimal TextEdits (one per hunk, trimmed to the characters that change) against `old`, in document order.

    Characters count in UTF-16 code units (the LSP default) unless `encoding` says utf-8 (bytes) or utf-32 (code
    points). Edit ranges never start or end between the \\r and \\n of a CRLF, which LSP cannot address.
    """
    lines = split_lines(old)
    edits: list[TextEdit] = []
    for hunk in sorted(hunks, key=lambda h: h.old_start):
        first = hunk.old_start - 1
        removed, added = hunk.removed_text, hunk.added_text
        if "".join(lines[first : first + hunk.old_lines]) != removed:
            raise HunkMismatch(f"hunk {hunk.id}: lines {hunk.old_start}.. are not what it removes")
        head = common_run(removed, 0, added, 0, min(len(removed), len(added)))
        if 0 < head < len(removed) and removed[head - 1] == "\r" and removed[head] == "\n":
            head -= 1
        tail = common_tail(removed, len(removed), added, len(added), min(len(removed), len(added)) - head)
        end = len(removed) - tail
        if 0 < end < len(removed) and removed[end - 1] == "\r" and removed[end] == "\n":
            end += 1
            tail -= 1
        start_line, start_char = _position(removed[:head], first, encoding)
        end_line, end_char = _position(removed[:end], first, encoding)
        edits.append(TextEdit(start_line, start_char, end_line, end_char, added[head : len(added) - tail]))
    return edits


def _position(prefix: str, first_line: int, encoding: PositionEncoding) -> tuple[int, int]:
    """The (line, character) reached after `prefix`, which starts at the beginning of line `first_line`."""
    pieces = split_lines(prefix)
    if not pieces:
        return first_line, 0
    last = pieces[-1]
    if last[-1] in "\r\n":
        return first_line + len(pieces), 0
    return first_line + len(pieces) - 1, _width(last, encoding)


def _width(text: str, encoding: PositionEncoding) -> int:
    if encoding == "utf-32" or text.isascii():
        return len(text)
    if encoding == "utf-16":
        return len(text.encode("utf-16-le", "surrogatepass")) // 2
    return len(text.encode("utf-8", "surrogatepass"))


def to_unified(path: str, hunks: Sequence[Hunk], old: str | None = None, context: int = 3) -> str:
    """A unified diff for the model; with `old` it carries `context` lines around changes, merging near hunks."""
    out = [f"--- a/{path}\n", f"+++ b/{path}\n"]
    ordered = sorted(hunks, key=lambda h: h.old_start)
    if old is None or context <= 0 or not ordered:
        for hunk in ordered:
            out.append(_header(hunk.old_start, hunk.old_lines, hunk.new_start, hunk.new_lines))
            _body(out, hunk)
        return "".join(out)
    lines = split_lines(old)
    groups: list[list[Hunk]] = [[ordered[0]]]
    for hunk in ordered[1:]:
        last = groups[-1][-1]
        if hunk.old_start - (last.old_start + last.old_lines) <= 2 * context:
            groups[-1].append(hunk)
        else:
            groups.append([hunk])
    for group in groups:
        first, last = group[0], group[-1]
        start = max(first.old_start - 1 - context, 0)  # 0-based first context line
        stop = min(last.old_start - 1 + last.old_lines + context, len(lines))
        shift = sum(h.new_lines - h.old_lines for h in group)
        new_start = first.new_start - (first.old_start - 1 - start)
        out.append(_header(start + 1, stop - start, new_start, stop - start + shift))
        cursor = start
        for hunk in group:
            _context(out, lines[cursor : hunk.old_start - 1])
            _body(out, hunk)
            cursor = hunk.old_start - 1 + hunk.old_lines
        _context(out, lines[cursor:stop])
    return "".join(out)


def _header(old_start: int, old_count: int, new_start: int, new_count: int) -> str:
    # Unified diff numbers an empty range by the line before it.
    old_at = old_start if old_count else old_start - 1
    new_at = new_start if new_count else new_start - 1
    return f"@@ -{old_at},{old_count} +{new_at},{new_count} @@\n"


def _body(out: list[str], hunk: Hunk) -> None:
    for sign, text in (("-", hunk.removed_text), ("+", hunk.added_text)):
        for line in split_lines(text):
            out.append(f"{sign}{strip_eol(line)}\n")
            if line[-1] not in "\r\n":
                out.append("\\ No newline at end of file\n")


def _context(out: list[str], lines: Sequence[str]) -> None:
    for line in lines:
        out.append(f" {strip_eol(line)}\n")
        if line[-1] not in "\r\n":
            out.append("\\ No newline at end of file\n")
