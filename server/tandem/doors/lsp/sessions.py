"""Wires every ACP method of the method table to the AgentService on the LSP door."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tandem_protocol import BY_NAME

from ...errors import RpcError
from ...service import HANDLERS, AgentService
from .wire import decode, encode, rpc_exception

if TYPE_CHECKING:
    from .server import TandemServer


def setup(server: TandemServer, service: AgentService) -> None:
    for name, attr in HANDLERS.items():
        method = BY_NAME[name]
        handler = getattr(service, attr)
        if method.is_notification:
            server.feature(name)(_notification(name, method.params, handler))
        else:
            server.feature(name)(_request(name, method.params, handler))


def _request(name: str, params_type: type, handler: Any):
    async def handle(params: Any) -> Any:
        decoded = decode(params, params_type, name)
        try:
            return encode(await handler(decoded))
        except RpcError as e:
            raise rpc_exception(e) from None

    handle.__name__ = f"handle_{name.replace('/', '_')}"
    return handle


def _notification(name: str, params_type: type, handler: Any):
    async def handle(params: Any) -> None:
        try:
            await handler(decode(params, params_type, name))
        except Exception:  # a notification has no answer: a bad one is dropped (and logged by pygls)
            raise

    handle.__name__ = f"handle_{name.replace('/', '_')}"
    return handle
