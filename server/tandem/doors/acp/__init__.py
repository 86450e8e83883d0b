"""`tandem acp`: the Agent Client Protocol door on stdio (NDJSON), for Zed, JetBrains and other ACP clients."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from typing import BinaryIO, NoReturn

__all__ = ["serve_acp"]


def serve_acp() -> int:
    """Serve one ACP client on stdin/stdout until it closes stdin (or SIGTERM/SIGINT), then end the process with
    status 0. Logs go to stderr (level from TANDEM_LOG_LEVEL, default WARNING)."""
    logging.basicConfig(stream=sys.stderr, level=os.environ.get("TANDEM_LOG_LEVEL", "WARNING").upper(),
                        format="tandem-acp %(levelname)s %(name)s: %(message)s")
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print() anywhere must not corrupt the protocol stream
    return asyncio.run(_serve(sys.stdin.buffer, out))


async def _serve(stdin: BinaryIO, stdout: BinaryIO) -> NoReturn:
    from ..writer import ThreadedWriter
    from .door import AcpDoor
    from .stdio import LineReader

    loop = asyncio.get_running_loop()
    writer = ThreadedWriter(stdout, name="tandem-acp-writer")
    door = AcpDoor(writer.write)
    done = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, done.set)
        except (NotImplementedError, RuntimeError):  # not on this platform or thread
            pass
    from ..common import max_message_bytes

    LineReader(stdin, loop, door.peer.feed, done.set, limit=max_message_bytes(),
               on_oversized=door.peer.oversized).start()
    await done.wait()
    try:
        await door.close()
    finally:
        writer.close()
    # Sessions are closed and the output flushed: end here. The interpreter's own teardown (the model SDK's
    # modules, a warm-up import still running in its thread) would add 0.5 to 2 s to every client restart.
    logging.shutdown()
    sys.stderr.flush()
    os._exit(0)
