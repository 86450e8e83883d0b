"""An independent LSP TextEdit applier for the tests: positions in UTF-16/8/32 units, lines split as LSP does."""

from __future__ import annotations

import re

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")

_CODEC = {"utf-16": ("utf-16-le", 2), "utf-8": ("utf-8", 1), "utf-32": ("utf-32-le", 4)}


def offset_of(text: str, line: int, character: int, encoding: str = "utf-16") -> int:
    """The str index of an LSP position; a character inside a code point or past the line end is an error."""
    lines = _LINE.findall(text)
    if line == len(lines):
        assert character == 0, "only the start of the line after the last one is addressable"
        return len(text)
    assert line < len(lines), f"line {line} past the end"
    start = sum(len(x) for x in lines[:line])
    content = lines[line].rstrip("\r\n")
    codec, unit = _CODEC[encoding]
    units = 0
    for index, char in enumerate(content):
        if units == character:
            return start + index
        units += len(char.encode(codec, "surrogatepass")) // unit
        assert units <= character, "position inside a code point"
    assert units == character, f"character {character} is not on a code point boundary or past the line end"
    return start + len(content)


def apply_text_edits(text: str, edits, encoding: str = "utf-16") -> str:
    """Apply edits (start_line, start_char, end_line, end_char, new_text), all relative to `text`, as LSP does."""
    spans = []
    for start_line, start_char, end_line, end_char, new_text in edits:
        start = offset_of(text, start_line, start_char, encoding)
        end = offset_of(text, end_line, end_char, encoding)
        assert start <= end
        spans.append((start, end, new_text))
    spans.sort()
    out, cursor = [], 0
    for start, end, new_text in spans:
        assert start >= cursor, "overlapping edits"
        out.append(text[cursor:start])
        out.append(new_text)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)
