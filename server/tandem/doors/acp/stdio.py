"""The ACP door's stdio: a reader thread that hands lines to the loop and a writer thread the loop never waits on."""

from __future__ import annotations

import asyncio
import logging
import queue
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


class ThreadedWriter:
    """Queues encoded messages and writes them from a thread, joining whatever queued up into one write.

    A client that stops reading (a busy editor) must not freeze the event loop and with it every session:
    the loop only enqueues; the thread is the one that blocks."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._queue: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._closed = False
        self.bytes_written = 0
        self._thread = threading.Thread(target=self._run, name="tandem-acp-writer", daemon=True)
        self._thread.start()

    def write(self, data: bytes) -> None:
        if not self._closed:
            self._queue.put(data)

    def close(self, timeout: float = 5) -> None:
        """Flush what is queued (waiting at most `timeout`) and stop the thread."""
        if not self._closed:
            self._closed = True
            self._queue.put(None)
            self._thread.join(timeout=timeout)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            batch, done = ([], True) if item is None else ([item], False)
            while not done:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    done = True
                else:
                    batch.append(more)
            if batch:
                data = b"".join(batch)
                try:
                    self._stream.write(data)
                    self._stream.flush()
                except (OSError, ValueError):
                    log.warning("client output closed; dropping messages")
                    return
                self.bytes_written += len(data)
            if done:
                return
