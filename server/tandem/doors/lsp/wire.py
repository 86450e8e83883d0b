"""Decoding params into protocol Structs and encoding results, with JSON-RPC errors for bad input."""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams

from ...errors import RpcError

T = TypeVar("T")


def decode(params: Any, struct: type[T], method: str) -> T:
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise JsonRpcInvalidParams(f"{method}: params must be an object")
    try:
        return msgspec.convert(params, struct)
    except msgspec.ValidationError as e:
        raise JsonRpcInvalidParams(f"{method}: invalid params: {e}") from None


def encode(result: Any) -> Any:
    return {} if result is None else msgspec.to_builtins(result)


def rpc_exception(error: RpcError) -> JsonRpcException:
    if error.code == JsonRpcInvalidParams.CODE:
        return JsonRpcInvalidParams(error.message)
    return JsonRpcException(code=error.code, message=error.message)
