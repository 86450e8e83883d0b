"""Glob: files whose paths match a glob pattern, newest first (ripgrep's file walk, honouring .gitignore)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, ClassVar

import msgspec
from msgspec import UNSET, UnsetType
from tandem_protocol import ToolCallLocation, ToolKind

from ..workspace import Workspace
from ._common import check_outside, refresh_title, shown_path
from ._rg import COMMON_FLAGS, Rg, rg_error, sort_by_mtime
from .base import ToolContext, ToolError, ToolResult

MAX_RESULTS = 100
MAX_FILES_SCANNED = 100_000

DESCRIPTION = """\
Finds files by name pattern, in any size of codebase.
- Glob patterns like "**/*.js" or "src/**/*.ts"; a pattern without "/" matches at any depth.
- Returns paths sorted by modification time, newest first (at most 100).
- Skips files ignored by .gitignore.
- To search file contents use Grep."""

_GLOB_CHARS = re.compile(r"[*?\[{]")


class GlobInput(msgspec.Struct, kw_only=True):
    pattern: Annotated[str, msgspec.Meta(description="The glob pattern to match files against")]
    path: Annotated[
        str | UnsetType,
        msgspec.Meta(description="Directory to search in. Omit it for the workspace root"),
    ] = UNSET


class Glob:
    name: ClassVar[str] = "Glob"
    kind: ClassVar[ToolKind] = "search"
    description: ClassVar[str] = DESCRIPTION
    Input: ClassVar[type[msgspec.Struct]] = GlobInput
    mutates: ClassVar[bool] = False

    def title(self, inp: GlobInput, workspace: Workspace | None = None) -> str:
        title = f"Glob {inp.pattern}"
        if inp.path:
            title += f" in {shown_path(inp.path, workspace)}"
        return title

    def locations(self, inp: GlobInput, workspace: Workspace) -> list[ToolCallLocation]:
        return [ToolCallLocation(path=str(workspace.resolve(inp.path)))] if inp.path else []

    async def run(self, inp: GlobInput, ctx: ToolContext) -> ToolResult:
        ws = ctx.workspace
        refresh_title(ctx, self.title(inp), self.title(inp, ws))
        base = ws.resolve(inp.path) if inp.path else ws.root
        pattern = inp.pattern.removeprefix("./")
        if Path(pattern).is_absolute():
            # Models often glob with an absolute pattern: walk from its literal prefix instead.
            base, pattern = _split_absolute(pattern)
        await check_outside(ctx, base, "Glob", "search", f"List files in {base}")
        if not base.is_dir():
            what = "is not a directory" if base.exists() else "does not exist"
            raise ToolError(f"{ws.relative(base)} {what}. Pass a directory as path, or omit it.")

        files: list[str] = []
        cut = False
        # rg runs in the search directory so patterns with "/" are anchored there.
        async with Rg(["--files", *COMMON_FLAGS, "--glob", pattern], base) as rg:
            async for line in rg.lines():
                if line:
                    files.append(line.decode("utf-8", "replace"))
                    if len(files) >= MAX_FILES_SCANNED:
                        cut = True
                        break
            code, err = (0, "") if cut else await rg.finish()
        if code == 2 and not files:
            raise ToolError(rg_error(err))
        if not files:
            return ToolResult(output="No files found")

        files = await sort_by_mtime(files, base)
        shown = [ws.relative(base / f) for f in files[:MAX_RESULTS]]
        output = "\n".join(shown)
        if len(files) > MAX_RESULTS:
            total = f"{len(files)}+" if cut else str(len(files))
            output += (
                f"\n\n(Showing the {MAX_RESULTS} newest of {total} files; results truncated. "
                "Use a more specific pattern or path.)"
            )
        return ToolResult(output=output)


def _split_absolute(pattern: str) -> tuple[Path, str]:
    """/repo/src/**/*.py -> (/repo/src, **/*.py): the longest leading run of parts with no glob characters."""
    parts = Path(pattern).parts
    i = 1
    while i < len(parts) - 1 and not _GLOB_CHARS.search(parts[i]):
        i += 1
    return Path(*parts[:i]), "/".join(parts[i:])
