"""The writer both doors share (doors/writer.py): never blocks the caller, keeps order, flushes on close."""

from __future__ import annotations

import io
import os
import threading
import time

from tandem.doors.writer import ThreadedWriter


def _drain(fd: int, into: bytearray, done: threading.Event) -> None:
    while chunk := os.read(fd, 65536):
        into.extend(chunk)
    done.set()


def test_a_reader_that_stops_reading_never_blocks_the_writer_and_order_is_kept():
    read_fd, write_fd = os.pipe()
    out = os.fdopen(write_fd, "wb")
    writer = ThreadedWriter(out, name="test-writer")
    messages = [b"%06d:" % i + b"x" * (10 if i % 3 else 5000) + b"\n" for i in range(2000)]  # ~3 MB: fills the pipe
    started = time.monotonic()
    for message in messages:
        writer.write(message)
    assert time.monotonic() - started < 2  # nobody is reading yet: a blocking write would hang here
    received, done = bytearray(), threading.Event()
    threading.Thread(target=_drain, args=(read_fd, received, done), daemon=True).start()
    writer.close(timeout=20)
    out.close()
    assert done.wait(10)
    assert bytes(received) == b"".join(messages)


def test_small_messages_go_out_at_once_while_the_reader_keeps_up():
    read_fd, write_fd = os.pipe()
    out = os.fdopen(write_fd, "wb")
    writer = ThreadedWriter(out)
    try:
        writer.write(b"hello\n")
        assert os.read(read_fd, 100) == b"hello\n"  # written directly, no thread handoff needed
        assert writer._queued == 0
    finally:
        writer.close()
        out.close()
        os.close(read_fd)


def test_a_stream_without_a_descriptor_is_written_by_the_thread_and_a_closed_one_drops_quietly():
    stream = io.BytesIO()
    writer = ThreadedWriter(stream)
    writer.write(b"a")
    writer.write(b"b")
    writer.close()
    assert stream.getvalue() == b"ab"
    writer.write(b"after close")  # ignored
    assert stream.getvalue() == b"ab"

    broken = io.BytesIO()
    broken.close()
    writer = ThreadedWriter(broken)
    writer.write(b"lost")  # the client went away: logged and dropped, never raised
    writer.close()
