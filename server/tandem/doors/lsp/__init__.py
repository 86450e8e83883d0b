"""`tandem serve`: the LSP door on stdio."""

from __future__ import annotations

import logging


def serve() -> None:
    from lsprotocol import types
    from tandem_protocol import PROTOCOL_VERSION

    from ... import __version__
    from ...service import AgentService
    from . import documents, sessions
    from .channel import LspChannel
    from .server import TandemServer
    from .wire import encode

    logging.getLogger("pygls").setLevel(logging.WARNING)
    server = TandemServer()
    service = AgentService(LspChannel(server))
    server.protocol.acp_result = encode(_acp_initialize_result(PROTOCOL_VERSION, __version__))
    documents.setup(server, service)
    sessions.setup(server, service)

    @server.feature(types.SHUTDOWN)
    async def on_shutdown(*args: object) -> None:
        await service.shutdown()

    server.start_stdio()


def _acp_initialize_result(protocol_version: int, version: str):
    from tandem_protocol import (
        AgentCapabilities,
        Empty,
        Implementation,
        InitializeResponse,
        PromptCapabilities,
        SessionCapabilities,
    )

    return InitializeResponse(
        protocol_version=protocol_version,
        agent_capabilities=AgentCapabilities(
            load_session=True,
            prompt_capabilities=PromptCapabilities(image=True, embedded_context=True),
            session_capabilities=SessionCapabilities(list=Empty(), resume=Empty(), close=Empty(), delete=Empty()),
        ),
        agent_info=Implementation(name="tandem", title="Tandem", version=version),
    )
