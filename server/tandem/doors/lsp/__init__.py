"""`tandem serve`: the LSP door on stdio."""

from __future__ import annotations

import gc
import logging


def serve() -> None:
    # Fewer collections while pygls, lsprotocol and the converter's hooks load (tens of thousands of objects that
    # all live as long as the process), then freeze them, so later collections never walk them again. Measured
    # here: about 25 ms off spawn to `initialize`. Not gc.disable(): that saves 40 ms but keeps the cyclic garbage
    # of the import (attrs replacing each slotted class) until later, and idle RSS grows by 10 MiB.
    thresholds = gc.get_threshold()
    gc.set_threshold(10_000, 1_000, 100_000)
    from lsprotocol import types
    from tandem_protocol import PROTOCOL_VERSION

    from ... import __version__
    from ..common import acp_initialize_result
    from . import documents, edits, sessions
    from .server import QuietReadErrors, TandemServer
    from .wire import encode

    logging.getLogger("pygls").setLevel(logging.WARNING)
    logging.getLogger("pygls.server").addFilter(QuietReadErrors())
    server = TandemServer()
    buffers: dict = {}
    core = LazyService(server, buffers)
    server.protocol.acp_result = encode(acp_initialize_result(PROTOCOL_VERSION, __version__))
    documents.setup(server, buffers, lambda path, text: core.service and core.service.text_changed(path, text))
    sessions.setup(server, core.get)
    edits.setup(server, core.get)

    @server.feature(types.INITIALIZED)
    def on_initialized(*args: object) -> None:
        core.get()  # `initialize` has been answered: now load the agent core

    @server.feature(types.SHUTDOWN)
    async def on_shutdown(*args: object) -> None:
        if core.service is not None:
            await core.service.shutdown()

    gc.set_threshold(*thresholds)
    gc.freeze()
    server.start_stdio()


class LazyService:
    """Builds the AgentService on first use, so `initialize` is answered before the core is imported."""

    def __init__(self, server, buffers: dict) -> None:
        self.server = server
        self.buffers = buffers
        self.service = None

    def get(self):
        if self.service is None:
            from ...service import AgentService
            from .channel import LspChannel

            self.service = AgentService(LspChannel(self.server), buffers=self.buffers)
        return self.service

