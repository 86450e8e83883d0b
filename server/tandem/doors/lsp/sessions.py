"""Wires every ACP method of the method table to the AgentService on the LSP door."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from tandem_protocol import BY_NAME

from ...errors import RpcError
from ...handlers import HANDLERS
from .wire import decode, encode, rpc_exception

if TYPE_CHECKING:
    from ...service import AgentService
    from .server import TandemServer


def setup(server: TandemServer, get_service: Callable[[], AgentService]) -> None:
    for name, attr in HANDLERS.items():
        method = BY_NAME[name]
        wrap = _notification if method.is_notification else _request
        server.feature(name)(wrap(name, method.params, attr, get_service))


def _request(name: str, params_type: type, attr: str, get_service: Callable[[], AgentService]):
    async def handle(params: Any) -> Any:
        decoded = decode(params, params_type, name)
        try:
            return encode(await getattr(get_service(), attr)(decoded))
        except RpcError as e:
            raise rpc_exception(e) from None

    handle.__name__ = f"handle_{name.replace('/', '_')}"
    return handle


def _notification(name: str, params_type: type, attr: str, get_service: Callable[[], AgentService]):
    async def handle(params: Any) -> None:  # no answer: a bad notification is dropped, and pygls logs it
        await getattr(get_service(), attr)(decode(params, params_type, name))

    handle.__name__ = f"handle_{name.replace('/', '_')}"
    return handle
