"""The LSP door's output: pre-encoded bytes and a writer thread, so a slow client never blocks the event loop."""

from __future__ import annotations

import logging
import queue
import threading
from typing import BinaryIO

log = logging.getLogger(__name__)


class ThreadedWriter:
    """Queues messages and writes them from a thread, joining whatever queued up into one write.

    pygls writes and flushes each message on the event loop; a client that stops reading (a busy extension
    host) would then freeze every session. Here the loop only enqueues."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._queue: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="tandem-writer", daemon=True)
        self._closed = False
        self._thread.start()

    def write(self, data: bytes) -> None:
        if not self._closed:
            self._queue.put(data)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._queue.put(None)
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            batch = [] if item is None else [item]
            done = item is None
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
                try:
                    self._stream.write(b"".join(batch))
                    self._stream.flush()
                except (BrokenPipeError, ValueError, OSError):
                    log.warning("client output closed; dropping messages")
                    return
            if done:
                return


def frame(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
