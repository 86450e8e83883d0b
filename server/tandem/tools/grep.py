"""Grep: a regex search over the workspace's files with ripgrep (honouring .gitignore)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, ClassVar, Literal

import msgspec
from msgspec import UNSET, UnsetType
from tandem_protocol import ToolCallLocation, ToolKind

from ..workspace import Workspace
from ._common import check_outside, refresh_title, shown_path
from ._rg import COMMON_FLAGS, DECODER, Rg, rg_error, sort_by_mtime
from .base import ToolContext, ToolError, ToolResult

DEFAULT_HEAD_LIMIT = 250
MAX_OUTPUT_CHARS = 30_000
MAX_LINE_CHARS = 500  # minified files would otherwise fill the output with one line
MAX_FILES_SCANNED = 50_000  # files mode sorts by mtime, so it must see them all: but not without end

DESCRIPTION = """\
Searches file contents with ripgrep. Use it, not grep or rg in Bash.
- Rust regex syntax: "log.*Error", "fn\\s+\\w+"; escape literal braces: `interface\\{\\}`.
- output_mode: "files_with_matches" (default) lists files, newest first; "content" shows \
matching lines (with -n, -A/-B/-C); "count", matching lines per file.
- Patterns match within one line unless multiline is true.
- Skips .gitignored files. Output is capped: narrow with path, glob or type."""

D = msgspec.Meta


class GrepInput(msgspec.Struct, kw_only=True):
    pattern: Annotated[str, D(description="The regex to search for in file contents")]
    path: Annotated[str | UnsetType, D(description="File or directory to search. Default: workspace root")] = UNSET
    glob: Annotated[str | UnsetType, D(description='Only files matching this glob: "*.js", "*.{ts,tsx}"')] = UNSET
    output_mode: Annotated[
        Literal["content", "files_with_matches", "count"], D(description="What to show; see above")
    ] = "files_with_matches"
    case_insensitive: Annotated[bool, D(description="Case insensitive (rg -i)")] = msgspec.field(
        default=False, name="-i"
    )
    line_numbers: Annotated[bool, D(description="Line numbers (rg -n); content mode")] = msgspec.field(
        default=True, name="-n"
    )
    after: Annotated[int, D(description="Lines after each match (rg -A); content mode")] = msgspec.field(
        default=0, name="-A"
    )
    before: Annotated[int, D(description="Lines before each match (rg -B); content mode")] = msgspec.field(
        default=0, name="-B"
    )
    context: Annotated[int, D(description="Lines around each match (rg -C); content mode")] = msgspec.field(
        default=0, name="-C"
    )
    head_limit: Annotated[int, D(description="Keep the first N lines/files/counts (| head -N); 0 for all")] = (
        DEFAULT_HEAD_LIMIT
    )
    multiline: Annotated[bool, D(description="Let . match newlines, patterns span lines (rg -U)")] = False
    type: Annotated[str | UnsetType, D(description="File type (rg --type): js, py, rust, go...")] = UNSET


class Grep:
    name: ClassVar[str] = "Grep"
    kind: ClassVar[ToolKind] = "search"
    description: ClassVar[str] = DESCRIPTION
    Input: ClassVar[type[msgspec.Struct]] = GrepInput
    mutates: ClassVar[bool] = False

    def title(self, inp: GrepInput, workspace: Workspace | None = None) -> str:
        pattern = inp.pattern if len(inp.pattern) <= 80 else inp.pattern[:79] + "…"
        title = f'Grep "{pattern}"'
        if inp.path:
            title += f" in {shown_path(inp.path, workspace)}"
        if inp.glob or inp.type:
            title += f" ({inp.glob or inp.type})"
        return title

    def locations(self, inp: GrepInput, workspace: Workspace) -> list[ToolCallLocation]:
        return [ToolCallLocation(path=str(workspace.resolve(inp.path)))] if inp.path else []

    async def run(self, inp: GrepInput, ctx: ToolContext) -> ToolResult:
        ws = ctx.workspace
        refresh_title(ctx, self.title(inp), self.title(inp, ws))
        target = ws.resolve(inp.path) if inp.path else ws.root
        await check_outside(ctx, target, "Grep", "search", f"Search {target}")
        if not target.exists():
            raise ToolError(f"Path does not exist: {ws.relative(target)}")
        # Inside the root rg gets a relative path, so it prints short relative paths back.
        where = ws.relative(target) if target != ws.root else "."
        head = inp.head_limit if inp.head_limit > 0 else 10**9

        args = ["--json", *COMMON_FLAGS]
        if inp.case_insensitive:
            args.append("-i")
        if inp.multiline:
            args += ["-U", "--multiline-dotall"]
        if inp.glob:
            args += ["--glob", inp.glob]
        if inp.type:
            args += ["--type", inp.type]
        if inp.output_mode == "files_with_matches":
            args += ["--max-count", "1"]  # one match proves the file: stop reading it
        elif inp.output_mode == "content":
            # -C first so an explicit -A/-B wins, as on rg's command line.
            for flag, value in (("-C", inp.context), ("-B", inp.before), ("-A", inp.after)):
                if value:
                    args += [flag, str(value)]
        args += ["-e", inp.pattern, "--", where]

        async with Rg(args, ws.root) as rg:
            if inp.output_mode == "files_with_matches":
                collected, cut = await _files(rg)
            elif inp.output_mode == "count":
                collected, cut = await _counts(rg)
            else:
                context = bool(inp.context or inp.before or inp.after)
                collected, cut = await _content(rg, inp.line_numbers, context, head)
            code, err = (0, "") if cut else await rg.finish()

        if not collected:
            if code == 2:
                raise ToolError(rg_error(err))
            return ToolResult(output="No matches found", raw_output={"matches": 0})
        if inp.output_mode == "files_with_matches":
            output = await _render_files(collected, ws.root, head, cut)
        elif inp.output_mode == "count":
            output = _render_counts(collected, head)
        else:
            output = _render_content(collected, head, cut)
        if code == 2 and err:
            output += f"\n\n(ripgrep reported errors: {rg_error(err).splitlines()[0]})"
        return ToolResult(output=output)


def _path(p: str) -> str:
    return p[2:] if p.startswith("./") else p


async def _files(rg: Rg) -> tuple[list[str], bool]:
    files: list[str] = []
    async for line in rg.lines():
        if line.startswith(b'{"type":"begin"'):
            msg = DECODER.decode(line)
            if msg.data.path is not None:
                files.append(_path(msg.data.path.value()))
                if len(files) >= MAX_FILES_SCANNED:
                    return files, True
    return files, False


async def _counts(rg: Rg) -> tuple[list[str], bool]:
    counts: list[str] = []
    total = 0
    async for line in rg.lines():
        if line.startswith(b'{"type":"end"'):
            msg = DECODER.decode(line)
            if msg.data.path is not None and msg.data.stats is not None and msg.data.stats.matched_lines:
                total += msg.data.stats.matched_lines
                counts.append(f"{_path(msg.data.path.value())}:{msg.data.stats.matched_lines}")
    if counts:
        counts.append(str(total))  # the grand total rides at the end; _render_counts takes it off
    return counts, False


async def _content(rg: Rg, numbers: bool, context: bool, head: int) -> tuple[list[str], bool]:
    out: list[str] = []
    chars = 0
    last_line = None  # last line number shown for the current file, to place "--" between groups
    async for raw in rg.lines():
        if raw.startswith(b'{"type":"begin"'):
            if context and out:
                out.append("--")
            last_line = None
            continue
        is_match = raw.startswith(b'{"type":"match"')
        if not is_match and not raw.startswith(b'{"type":"context"'):
            continue
        data = DECODER.decode(raw).data
        path = _path(data.path.value()) if data.path else "?"
        text = data.lines.value() if data.lines else ""
        first = data.line_number or 0
        if context and last_line is not None and first > last_line + 1:
            out.append("--")
        sep = ":" if is_match else "-"
        for i, line in enumerate(text.removesuffix("\n").split("\n")):
            line = line.removesuffix("\r")
            if len(line) > MAX_LINE_CHARS:
                line = f"{line[:MAX_LINE_CHARS]}… [+{len(line) - MAX_LINE_CHARS} chars]"
            entry = f"{path}{sep}{first + i}{sep}{line}" if numbers and first else f"{path}{sep}{line}"
            out.append(entry)
            chars += len(entry) + 1
            last_line = first + i
            if len(out) > head or chars > MAX_OUTPUT_CHARS:
                return out, True  # one past the limit: the renderer cuts and says so
    return out, False


async def _render_files(files: list[str], root: Path, head: int, cut: bool) -> str:
    files = await sort_by_mtime(files, root)
    shown = files[:head]
    body = "\n".join(shown)
    if len(body) > MAX_OUTPUT_CHARS:
        body = body[: body.rfind("\n", 0, MAX_OUTPUT_CHARS)]
        shown = body.split("\n")
    more = "+" if cut else ""
    out = f"Found {len(files)}{more} file{'s' if len(files) != 1 else ''}\n{body}"
    if len(shown) < len(files) or cut:
        out += f"\n\n(Showing {len(shown)} most recently modified. Narrow the search with path, glob or type.)"
    return out


def _render_counts(counts: list[str], head: int) -> str:
    *lines, total = counts
    out = "\n".join(lines[:head])
    if len(lines) > head:
        out += f"\n\n(Showing {head} of {len(lines)} files.)"
    return out + f"\n\nFound {total} matching lines in {len(lines)} file{'s' if len(lines) != 1 else ''}."


def _render_content(lines: list[str], head: int, cut: bool) -> str:
    if not cut:
        return "\n".join(lines)
    shown = lines[:head]
    body = "\n".join(shown)
    if len(body) > MAX_OUTPUT_CHARS:
        body = body[: body.rfind("\n", 0, MAX_OUTPUT_CHARS)]
    shown_n = body.count("\n") + 1
    return body + f"\n\n(Output cut at {shown_n} lines. Narrow the search with path, glob or type, or use head_limit.)"
