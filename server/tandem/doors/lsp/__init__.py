"""`tandem serve`: the LSP door on stdio."""

from __future__ import annotations

import logging


def serve() -> None:
    from lsprotocol import types
    from tandem_protocol import PROTOCOL_VERSION

    from ... import __version__
    from ...service import AgentService
    from ..common import acp_initialize_result
    from . import documents, sessions
    from .channel import LspChannel
    from .server import TandemServer
    from .wire import encode

    logging.getLogger("pygls").setLevel(logging.WARNING)
    server = TandemServer()
    service = AgentService(LspChannel(server))
    server.protocol.acp_result = encode(acp_initialize_result(PROTOCOL_VERSION, __version__))
    documents.setup(server, service)
    sessions.setup(server, service)

    @server.feature(types.SHUTDOWN)
    async def on_shutdown(*args: object) -> None:
        await service.shutdown()

    server.start_stdio()

