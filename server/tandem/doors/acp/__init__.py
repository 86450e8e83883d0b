"""`tandem acp`: the Agent Client Protocol door on stdio (NDJSON), for Zed, JetBrains and other ACP clients."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys

__all__ = ["serve_acp"]


def serve_acp() -> int:
    """Serve one ACP client on stdin/stdout until it closes stdin; logs go to stderr (TANDEM_LOG_LEVEL)."""
    logging.basicConfig(stream=sys.stderr, level=os.environ.get("TANDEM_LOG_LEVEL", "WARNING").upper(),
                        format="tandem-acp %(levelname)s %(name)s: %(message)s")
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print() anywhere must not corrupt the protocol stream
    return asyncio.run(_serve(sys.stdin.buffer, out))


async def _serve(stdin, stdout) -> int:
    from .door import AcpDoor
    from .stdio import LineReader, ThreadedWriter

    loop = asyncio.get_running_loop()
    writer = ThreadedWriter(stdout)
    door = AcpDoor(writer.write)
    done = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, done.set)
        except (NotImplementedError, RuntimeError):  # not on this platform or thread
            pass
    LineReader(stdin, loop, door.peer.feed, done.set).start()
    await done.wait()
    try:
        await door.close()
    finally:
        writer.close()
    return 0
