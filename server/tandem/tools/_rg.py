"""Running ripgrep for Grep and Glob: finding the binary, streaming its output, killing it when done."""

from __future__ import annotations

import asyncio
import base64
import os
import shutil
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import msgspec

from .base import ToolError

# Shared flags: no user config (it could change the output format), hidden files searched but never .git,
# and .gitignore honoured even when the workspace is not a git checkout.
COMMON_FLAGS = ["--no-config", "--hidden", "--glob", "!.git", "--no-require-git"]

_rg_path: str | None = None


def find_rg() -> str:
    """rg next to the running Python (the venv's bin, from the `ripgrep` wheel) first, then PATH."""
    global _rg_path
    if _rg_path is None:
        beside = Path(sys.executable).parent / "rg"
        if beside.is_file() and os.access(beside, os.X_OK):
            _rg_path = str(beside)
        else:
            _rg_path = shutil.which("rg")
    if _rg_path is None:
        raise ToolError(
            "ripgrep (rg) is not installed, so Grep and Glob cannot run. "
            "Use Bash (grep -rn, find) instead, and tell the user to install ripgrep."
        )
    return _rg_path


class RgText(msgspec.Struct):
    text: str | None = None
    bytes: str | None = None  # base64, when the path or line is not valid UTF-8

    def value(self) -> str:
        if self.text is not None:
            return self.text
        return base64.b64decode(self.bytes or "").decode("utf-8", "replace")


class RgStats(msgspec.Struct):
    matched_lines: int = 0
    matches: int = 0


class RgData(msgspec.Struct):
    path: RgText | None = None
    lines: RgText | None = None
    line_number: int | None = None
    stats: RgStats | None = None


class RgMessage(msgspec.Struct):
    type: str
    data: RgData


DECODER = msgspec.json.Decoder(RgMessage)


class Rg:
    """One rg process. Use as `async with Rg(args, cwd) as rg:`; leaving the block kills rg if it still runs
    (results capped, or the task cancelled), so no search outlives its tool call."""

    def __init__(self, args: list[str], cwd: Path) -> None:
        self.args = args
        self.cwd = cwd
        self.proc: asyncio.subprocess.Process | None = None
        self._stderr: asyncio.Task[bytes] | None = None

    async def __aenter__(self) -> Rg:
        self.proc = await asyncio.create_subprocess_exec(
            find_rg(),
            *self.args,
            cwd=self.cwd,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        # Drain stderr alongside stdout: a full stderr pipe would stall rg.
        assert self.proc.stderr is not None
        self._stderr = asyncio.ensure_future(self.proc.stderr.read())
        return self

    async def __aexit__(self, *exc: object) -> None:
        proc = self.proc
        if proc is not None and proc.returncode is None:
            try:
                proc.kill()
            except ProcessLookupError:
                pass
            await proc.wait()
        if self._stderr is not None and not self._stderr.done():
            self._stderr.cancel()

    async def lines(self) -> AsyncIterator[bytes]:
        """stdout line by line, read in large chunks (a single line may be megabytes: no StreamReader limit)."""
        assert self.proc is not None and self.proc.stdout is not None
        parts: list[bytes] = []  # pieces of the current, unfinished line (joined once, not re-copied per chunk)
        while chunk := await self.proc.stdout.read(1 << 16):
            if b"\n" not in chunk:
                parts.append(chunk)
                continue
            first, *middle, last = chunk.split(b"\n")
            parts.append(first)
            yield b"".join(parts)
            for line in middle:
                yield line
            parts = [last]
        if any(parts):
            yield b"".join(parts)

    async def finish(self) -> tuple[int, str]:
        """Wait for rg to exit: its exit code and stderr."""
        assert self.proc is not None and self._stderr is not None
        code = await self.proc.wait()
        err = (await self._stderr).decode("utf-8", "replace").strip()
        return code, err


async def sort_by_mtime(paths: list[str], base: Path) -> list[str]:
    """Newest first, as Claude Code lists files; stat() runs in a thread so a large tree won't block the loop."""

    def sort() -> list[str]:
        # relative to an open `base` (dir_fd): 1 µs a file, where joining each path onto `base` first cost 4 µs
        try:
            fd = os.open(base, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:  # gone since rg listed it: no times to sort by
            return sorted(paths)

        def mtime(p: str) -> float:
            try:
                return os.stat(p, dir_fd=fd).st_mtime
            except OSError:
                return 0.0

        try:
            return sorted(paths, key=lambda p: (-mtime(p), p))
        finally:
            os.close(fd)

    return await asyncio.to_thread(sort)


def rg_error(err: str) -> str:
    """rg's stderr, trimmed for the model."""
    lines = [ln for ln in err.splitlines() if ln.strip()]
    text = "\n".join(lines[:10])
    return text[:2000] or "ripgrep failed"
