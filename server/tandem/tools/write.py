"""Write: create a file or replace one the model has read, after the user (or the rules) allow the diff."""

from __future__ import annotations

from typing import Annotated, ClassVar

import msgspec
from tandem_protocol import ToolCallLocation, ToolKind

from ..workspace import NotText, Workspace
from ._common import refresh_title, shown_path, split_lines
from ._edit_report import propose_and_report
from .base import ToolContext, ToolError, ToolResult

DESCRIPTION = """\
Writes a file: creates it (with any missing folders) or replaces its whole content.
- To overwrite an existing file, Read it first in this conversation, or the write fails.
- Prefer Edit for changes to existing files.
- Don't create documentation files (*.md, README) unless asked.
- The user may review, change or reject the write."""


class WriteInput(msgspec.Struct, kw_only=True):
    file_path: Annotated[
        str, msgspec.Meta(description="The file to write (absolute, or relative to the workspace root)")
    ]
    content: Annotated[str, msgspec.Meta(description="The complete new content of the file")]


class Write:
    name: ClassVar[str] = "Write"
    kind: ClassVar[ToolKind] = "edit"
    description: ClassVar[str] = DESCRIPTION
    Input: ClassVar[type[msgspec.Struct]] = WriteInput
    mutates: ClassVar[bool] = True

    def title(self, inp: WriteInput, workspace: Workspace | None = None) -> str:
        return f"Write {shown_path(inp.file_path, workspace)}"

    def locations(self, inp: WriteInput, workspace: Workspace) -> list[ToolCallLocation]:
        return [ToolCallLocation(path=str(workspace.resolve(inp.file_path)))]

    async def run(self, inp: WriteInput, ctx: ToolContext) -> ToolResult:
        ws = ctx.workspace
        path = ws.resolve(inp.file_path)
        rel = ws.relative(path)
        refresh_title(ctx, self.title(inp), self.title(inp, ws))

        current: str | None = None
        if ws.is_open(path) or path.exists():
            if path.is_dir() and not ws.is_open(path):
                raise ToolError(f"{rel} is a directory; give a file path.")
            if str(path) not in ctx.read_files:
                raise ToolError(f"File has not been read yet: Read {rel} first, then write it.")
            try:
                current = ws.read_text(path)
            except FileNotFoundError:
                current = None  # deleted since it was read: this is a creation again
            except NotText as e:
                raise ToolError(f"Cannot overwrite {rel}: {e}.") from None
            except OSError as e:
                raise ToolError(f"Cannot read {rel}: {e.strerror or e}") from None
        elif path.parent.exists() and not path.parent.is_dir():
            raise ToolError(f"Cannot create {rel}: {ws.relative(path.parent)} is a file, not a folder.")

        content = inp.content
        if current and "\r\n" in current and "\r" not in content:
            content = content.replace("\n", "\r\n")  # keep the file's line endings
        if content == current:
            return ToolResult(output=f"No changes: {rel} already has exactly this content.")

        lines = len(split_lines(content))
        if current is None:
            success = f"File created successfully at: {rel} ({lines} lines)."
        else:
            success = f"The file {rel} has been overwritten ({lines} lines)."
        return await propose_and_report(ctx, "Write", path, rel, current, content, success)
