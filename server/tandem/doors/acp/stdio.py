"""The ACP door's input: a reader thread that hands lines to the loop (the output is doors/writer.py's)."""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import BinaryIO, Callable

log = logging.getLogger(__name__)
READ_SIZE = 1 << 16


class LineReader:
    """Reads a byte stream in a thread and calls `on_line(bytes)` on the loop for every line, then `on_eof()`.

    A thread rather than `connect_read_pipe`: it works for pipes, files and terminals alike and never puts the
    caller's stdin into non-blocking mode (which would leak into a shell sharing the terminal)."""

    def __init__(self, stream: BinaryIO, loop: asyncio.AbstractEventLoop, on_line: Callable[[bytes], None],
                 on_eof: Callable[[], None], *, limit: int | None = None,
                 on_oversized: Callable[[int], None] | None = None) -> None:
        self._stream = stream
        self._loop = loop
        self._on_line = on_line
        self._on_eof = on_eof
        self._parts: list[bytes] = []  # the line so far, joined once when its newline comes (no quadratic copying)
        self._size = 0
        self._limit = limit
        self._on_oversized = on_oversized
        self._dropping = 0  # bytes of an over-long line dropped so far (memory stays bounded)
        self._thread = threading.Thread(target=self._run, name="tandem-acp-reader", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        read = getattr(self._stream, "read1", self._stream.read)
        try:
            while data := read(READ_SIZE):
                self._loop.call_soon_threadsafe(self._feed, data)
        except (OSError, ValueError) as e:
            log.warning("reading stdin failed: %s", e)
        finally:
            try:
                self._loop.call_soon_threadsafe(self._end)
            except RuntimeError:  # the loop is already closed
                pass

    def _feed(self, data: bytes) -> None:
        start = 0
        while (end := data.find(b"\n", start)) >= 0:
            piece = data[start:end]
            start = end + 1
            if self._dropping:
                size, self._dropping = self._dropping + len(piece), 0
                if self._on_oversized is not None:
                    self._on_oversized(size)
                continue
            if self._parts:
                piece = b"".join(self._parts) + piece
                self._parts.clear()
                self._size = 0
            self._on_line(piece)
        rest = data[start:]
        if not rest:
            return
        if self._dropping:
            self._dropping += len(rest)
        elif self._limit is not None and self._size + len(rest) > self._limit:
            self._dropping = self._size + len(rest)
            self._parts.clear()
            self._size = 0
        else:
            self._parts.append(rest)
            self._size += len(rest)

    def _end(self) -> None:
        line = b"".join(self._parts)
        self._parts.clear()
        if line.strip() and not self._dropping:  # a last message without its newline still counts
            self._on_line(line)
        self._on_eof()

