"""Edit: replace an exact string in a file the model has read, after the user (or the rules) allow the diff."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, ClassVar

import msgspec
from tandem_protocol import ToolCallLocation, ToolKind

from ..workspace import NotText, Workspace
from ._common import missing_file_message, refresh_title, shown_path
from ._edit_report import propose_and_report
from .base import ToolContext, ToolError, ToolResult

DESCRIPTION = """\
Replaces an exact string in a file.
- Read the file first in this conversation: editing an unread file fails.
- Copy old_string exactly from Read's output, indentation included, but without the line-number \
prefix (spaces, number, tab).
- Fails if old_string is missing, or found more than once: add surrounding lines to make it unique, \
or set replace_all to change every occurrence (e.g. to rename).
- The user may review, change or reject the edit.
- Prefer editing existing files to creating new ones."""

_LINE_PREFIX = re.compile(r"^ *\d+\t", re.M)


class EditInput(msgspec.Struct, kw_only=True):
    file_path: Annotated[
        str, msgspec.Meta(description="The file to modify (absolute, or relative to the workspace root)")
    ]
    old_string: Annotated[str, msgspec.Meta(description="The exact text to replace")]
    new_string: Annotated[str, msgspec.Meta(description="The text to put in its place (must differ from old_string)")]
    replace_all: Annotated[bool, msgspec.Meta(description="Replace every occurrence of old_string")] = False


class Edit:
    name: ClassVar[str] = "Edit"
    kind: ClassVar[ToolKind] = "edit"
    description: ClassVar[str] = DESCRIPTION
    Input: ClassVar[type[msgspec.Struct]] = EditInput
    mutates: ClassVar[bool] = True

    def title(self, inp: EditInput, workspace: Workspace | None = None) -> str:
        return f"Edit {shown_path(inp.file_path, workspace)}"

    def locations(self, inp: EditInput, workspace: Workspace) -> list[ToolCallLocation]:
        path = workspace.resolve(inp.file_path)
        try:
            text = workspace.read_text(path)
        except (OSError, NotText):
            return [ToolCallLocation(path=str(path))]
        at = text.find(inp.old_string) if inp.old_string else -1
        if at < 0:
            return [ToolCallLocation(path=str(path))]
        return [ToolCallLocation(path=str(path), line=text.count("\n", 0, at) + 1)]

    async def run(self, inp: EditInput, ctx: ToolContext) -> ToolResult:
        ws = ctx.workspace
        path = ws.resolve(inp.file_path)
        rel = ws.relative(path)
        refresh_title(ctx, self.title(inp), self.title(inp, ws))
        if inp.old_string == inp.new_string:
            raise ToolError("No changes to make: old_string and new_string are exactly the same.")

        current = _current_text(ws, path, rel, creating=inp.old_string == "")
        count = 1
        if current is None:
            new_text = inp.new_string  # empty old_string on a missing file: create it
        elif inp.old_string == "":
            if current.strip():
                raise ToolError(
                    f"old_string is empty but {rel} is not: an empty old_string only creates a new file "
                    "or fills an empty one. Give the text to replace."
                )
            new_text = inp.new_string
        else:
            if str(path) not in ctx.read_files:
                raise ToolError(f"File has not been read yet: Read {rel} first, then edit it.")
            try:
                new_text, count = apply_edit(current, inp.old_string, inp.new_string, inp.replace_all, rel)
            except ToolError as e:
                if ctx.read_files[str(path)] != current:
                    raise ToolError(f"{e}\nNote: {rel} has changed since you last read it.") from None
                raise
            if new_text == current:
                raise ToolError("No changes to make: the replacement leaves the file as it is.")

        if current is None:
            success = f"Created {rel}."
        elif count > 1:
            success = f"The file {rel} has been updated: all {count} occurrences replaced."
        else:
            success = f"The file {rel} has been updated."
        return await propose_and_report(ctx, "Edit", path, rel, current, new_text, success)


def _current_text(ws: Workspace, path: Path, rel: str, creating: bool) -> str | None:
    """The file's text now (buffer first); None when it does not exist and the edit may create it."""
    try:
        return ws.read_text(path)
    except FileNotFoundError:
        if creating:
            return None
        raise ToolError(missing_file_message(path, ws) + " To create a file, use Write.") from None
    except IsADirectoryError:
        raise ToolError(f"{rel} is a directory, not a file.") from None
    except NotText as e:
        raise ToolError(f"Cannot edit {rel}: {e}. Only text files can be edited.") from None
    except OSError as e:
        raise ToolError(f"Cannot read {rel}: {e.strerror or e}") from None


def apply_edit(text: str, old: str, new: str, replace_all: bool, rel: str = "the file") -> tuple[str, int]:
    """`text` with `old` replaced by `new` and the number of occurrences; ToolError unless it is unambiguous.

    Models write \\n; in a file with \\r\\n endings the strings are matched and inserted with \\r\\n, so the
    file keeps its line endings. The literal strings are tried next, for files with mixed endings."""
    tries = [(old, new)]
    if "\r\n" in text and "\r" not in old:
        tries.insert(0, (old.replace("\n", "\r\n"), new.replace("\r\n", "\n").replace("\n", "\r\n")))
    for o, n in tries:
        count = text.count(o)
        if count:
            break
    else:
        raise ToolError(_not_found(text, old, rel))
    if count > 1 and not replace_all:
        lines = _lines_of(text, o, 5)
        raise ToolError(
            f"Found {count} matches of old_string in {rel} (lines {', '.join(map(str, lines))}"
            f"{', ...' if count > len(lines) else ''}), but replace_all is false. To replace them all, set "
            "replace_all to true; to replace one, include more surrounding lines to make it unique."
        )
    return (text.replace(o, n) if replace_all else text.replace(o, n, 1)), count


def _lines_of(text: str, needle: str, limit: int) -> list[int]:
    lines, at = [], text.find(needle)
    while at >= 0 and len(lines) < limit:
        lines.append(text.count("\n", 0, at) + 1)
        at = text.find(needle, at + len(needle))
    return lines


def _not_found(text: str, old: str, rel: str) -> str:
    """'Not found', with a hint when the likely mistake can be spotted cheaply."""
    msg = f"old_string was not found in {rel}."
    if _LINE_PREFIX.search(old) and all(_LINE_PREFIX.match(ln) for ln in old.splitlines() if ln):
        return msg + " It seems to include Read's line-number prefixes (number and tab): leave them out."
    want = [" ".join(ln.split()) for ln in old.split("\n")]
    have = [" ".join(ln.split()) for ln in text.split("\n")]
    if any(want):
        for i in range(len(have) - len(want) + 1):
            if have[i] == want[0] and have[i : i + len(want)] == want:
                return (
                    msg + f" Text differing only in indentation or spacing is at line {i + 1}: "
                    "copy old_string exactly from Read's output."
                )
    return msg + " Check it against the file's current text (Read it again if it may have changed)."
