"""The ACP door's dispatch: `initialize` here, every other ACP method through the service's HANDLERS table."""

from __future__ import annotations

import asyncio
import importlib
import logging
from typing import TYPE_CHECKING, Any, Callable, TypeVar

import msgspec
from tandem_protocol import (
    BY_NAME,
    PROTOCOL_VERSION,
    ClientCapabilities,
    InitializeRequest,
    InitializeResponse,
)

from ... import __version__
from ...errors import RpcError
from ..common import acp_initialize_result
from .rpc import INVALID_PARAMS, METHOD_NOT_FOUND, Peer, RpcFailure

if TYPE_CHECKING:
    from ...service import AgentService
    from ...sessions.session import Session
    from .channel import AcpChannel

log = logging.getLogger(__name__)
T = TypeVar("T")


class AcpDoor:
    """One ACP connection: answers `initialize` at once, then builds the agent service off the event loop (its
    imports cost about 0.1 s) and starts warming the model client, so neither delays the handshake."""

    def __init__(self, send: Callable[[bytes], None]) -> None:
        self.peer = Peer(send, self._on_request, self._on_notification)
        self.peer.cancel_hooks["session/prompt"] = self._cancel_prompt
        self.capabilities = ClientCapabilities()
        self.channel: AcpChannel | None = None
        self._service: asyncio.Future[AgentService] | None = None

    # ---- the service, built once ----------------------------------------------------------------

    def service(self) -> asyncio.Future[AgentService]:
        if self._service is None:
            self._service = asyncio.ensure_future(self._build_service())
        return self._service

    async def _build_service(self) -> AgentService:
        service_module = await asyncio.to_thread(importlib.import_module, "tandem.service")
        from .channel import AcpChannel

        self.channel = AcpChannel(self.peer, self.capabilities)
        service: AgentService = service_module.AgentService(self.channel)
        service.configure_session = self._configure_session
        service._warm_model()
        return service

    def _configure_session(self, session: Session) -> None:
        if self.channel is not None and self.channel.has_terminal:
            from .terminal import ClientTerminalBash

            session.all_tools["Bash"] = ClientTerminalBash(self.peer)

    # ---- dispatch -----------------------------------------------------------------------------

    async def _on_request(self, method: str, params: Any) -> Any:
        if method == "initialize":
            return self._initialize(params)
        return await self._dispatch(method, params, notification=False)

    async def _on_notification(self, method: str, params: Any) -> None:
        await self._dispatch(method, params, notification=True)

    def _initialize(self, params: Any) -> InitializeResponse:
        request = decode(params, InitializeRequest, "initialize")
        if isinstance(request.client_capabilities, ClientCapabilities):
            self.capabilities = request.client_capabilities
            if self.channel is not None:  # a second initialize: honour what the client offers now
                self.channel.set_capabilities(self.capabilities)
        # after this answer is written: building the service then warms the model client in the background
        asyncio.get_running_loop().call_soon(self.service)
        return acp_initialize_result(PROTOCOL_VERSION, __version__)

    async def _dispatch(self, method: str, params: Any, *, notification: bool) -> Any:
        spec = BY_NAME.get(method)
        if spec is None or spec.direction != "to_agent":
            raise RpcFailure(METHOD_NOT_FOUND, f"Method not found: {method}")
        if notification and not spec.is_notification:
            log.warning("%s is a request but came as a notification (no id): ignored", method)
            return None
        decoded = decode(params, spec.params, method)
        service = await asyncio.shield(self.service())
        from ...service import HANDLERS

        try:
            # slash commands and their available_commands_update are the service's (every door has them)
            return await getattr(service, HANDLERS[method])(decoded)
        except RpcError as e:
            raise RpcFailure(e.code, e.message) from None

    def _cancel_prompt(self, params: Any) -> bool:
        """`$/cancel_request` on a running prompt ends its turn like `session/cancel`: the answer is `cancelled`.
        False (a prompt not yet running) lets the peer cancel the request itself: the answer is -32800."""
        if self._service is None or not self._service.done() or not isinstance(params, dict):
            return False
        session = self._service.result().sessions.get(params.get("sessionId"))
        if session is None or not session.busy:
            return False
        session.cancel()
        return True

    async def close(self) -> None:
        await self.peer.close()
        if self._service is not None:
            try:
                service = await self._service
            except Exception:
                return
            await service.shutdown()


def decode(params: Any, struct: type[T], method: str) -> T:
    """Params as the method's Struct; a clear -32602 when they do not fit."""
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise RpcFailure(INVALID_PARAMS, f"Invalid params for {method}: params must be an object")
    try:
        return msgspec.convert(params, struct)
    except msgspec.ValidationError as e:
        raise RpcFailure(INVALID_PARAMS, f"Invalid params for {method}: {e}") from None
