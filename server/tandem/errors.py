"""Errors the core raises for bad requests; each door turns them into a JSON-RPC error with this code."""


class RpcError(Exception):
    code = -32603

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidParams(RpcError):
    code = -32602


class InvalidRequest(RpcError):
    code = -32600


class NotFound(RpcError):
    code = -32002  # ACP's "resource not found"
