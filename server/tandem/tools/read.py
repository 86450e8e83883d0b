"""Read: a file's text (the editor's unsaved buffer when open), numbered like `cat -n`."""

from __future__ import annotations

from typing import Annotated, ClassVar

import msgspec
from msgspec import UNSET, UnsetType
from tandem_protocol import ToolCallLocation, ToolKind

from ..workspace import NotText, Workspace
from ._common import check_outside, missing_file_message, numbered, refresh_title, shown_path, split_lines
from .base import ToolContext, ToolError, ToolResult

DEFAULT_LIMIT = 2000
MAX_OUTPUT_CHARS = 100_000  # a page of 2000 very long lines would swamp the context
MAX_FILE_BYTES = 20 * 1024 * 1024  # the whole file is loaded (edits anchor on it): refuse monsters

DESCRIPTION = """\
Reads a text file. Open editor buffers are read as the user sees them, unsaved changes included.
- file_path may be absolute or relative to the workspace root.
- By default reads up to 2000 lines from the start; for long files pass offset and limit.
- Output is numbered like `cat -n` (spaces, line number, tab, line). The number prefix is not part \
of the file: never include it in Edit's old_string.
- Lines over 2000 characters are cut.
- Read a file before editing or overwriting it. Read several files in parallel when useful.
- Cannot read directories (use Glob or `ls`) or binary files."""


class ReadInput(msgspec.Struct, kw_only=True):
    file_path: Annotated[
        str, msgspec.Meta(description="The file to read (absolute, or relative to the workspace root)")
    ]
    offset: Annotated[
        int | UnsetType,
        msgspec.Meta(description="Line number to start from (1-based). Only for files too long to read at once"),
    ] = UNSET
    limit: Annotated[
        int | UnsetType,
        msgspec.Meta(description="Number of lines to read. Only for files too long to read at once"),
    ] = UNSET


class Read:
    name: ClassVar[str] = "Read"
    kind: ClassVar[ToolKind] = "read"
    description: ClassVar[str] = DESCRIPTION
    Input: ClassVar[type[msgspec.Struct]] = ReadInput
    mutates: ClassVar[bool] = False

    def title(self, inp: ReadInput, workspace: Workspace | None = None) -> str:
        title = f"Read {shown_path(inp.file_path, workspace)}"
        if inp.offset or inp.limit:
            first = inp.offset or 1
            last = f"{first + inp.limit - 1}" if inp.limit else ""
            title += f" (lines {first}-{last})"
        return title

    def locations(self, inp: ReadInput, workspace: Workspace) -> list[ToolCallLocation]:
        path = str(workspace.resolve(inp.file_path))
        if inp.offset:
            return [ToolCallLocation(path=path, line=inp.offset)]
        return [ToolCallLocation(path=path)]

    async def run(self, inp: ReadInput, ctx: ToolContext) -> ToolResult:
        ws = ctx.workspace
        path = ws.resolve(inp.file_path)
        rel = ws.relative(path)
        refresh_title(ctx, self.title(inp), self.title(inp, ws))
        await check_outside(ctx, path, "Read", "read", f"Read {path}")
        if not ws.is_open(path):
            if path.is_dir():
                raise ToolError(f"{rel} is a directory, not a file. Use Glob, or `ls` through Bash, to list it.")
            try:
                size = path.stat().st_size
            except FileNotFoundError:
                raise ToolError(missing_file_message(path, ws)) from None
            except OSError as e:
                raise ToolError(f"Cannot read {rel}: {e.strerror}") from None
            if size > MAX_FILE_BYTES:
                raise ToolError(
                    f"{rel} is {size / 2**20:.0f} MB, too large to read. Use Grep to find what you need, "
                    "or Bash (head, tail, sed -n) to look at parts of it."
                )
        try:
            text = ws.read_text(path)
        except FileNotFoundError:
            raise ToolError(missing_file_message(path, ws)) from None
        except IsADirectoryError:
            raise ToolError(f"{rel} is a directory, not a file. Use Glob, or `ls` through Bash, to list it.") from None
        except NotText as e:
            raise ToolError(f"Cannot read {rel}: {e}. Only text files can be read.") from None
        except OSError as e:
            raise ToolError(f"Cannot read {rel}: {e.strerror or e}") from None

        ctx.read_files[str(path)] = text
        # Models sometimes send offset=0 or limit=0 meaning "from the start" / "the default".
        offset = max(1, inp.offset or 1)
        limit = inp.limit if inp.limit and inp.limit > 0 else DEFAULT_LIMIT
        return ToolResult(output=render(text, offset, limit))


def render(text: str, offset: int, limit: int) -> str:
    """The numbered page of `text` starting at line `offset`, with a note when there is more."""
    lines = split_lines(text)
    total = len(lines)
    if total == 0:
        return "(The file exists but is empty.)"
    if offset > total:
        return f"(The file has only {total} lines; offset {offset} is past its end.)"
    page = lines[offset - 1 : offset - 1 + limit]
    body = numbered(page, offset)
    if len(body) > MAX_OUTPUT_CHARS:
        # Keep whole lines: cut at the last newline under the cap and count what was kept.
        body = body[: body.rfind("\n", 0, MAX_OUTPUT_CHARS)]
        page = page[: body.count("\n") + 1]
    last = offset + len(page) - 1
    if last < total:
        body += (
            f"\n\n(Showing lines {offset}-{last} of {total}. "
            f"Read more with offset={last + 1}, or search with Grep.)"
        )
    return body
