"""A small JSON-RPC 2.0 peer over NDJSON: requests and notifications both ways, futures, `$/cancel_request`."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable

import msgspec

log = logging.getLogger(__name__)

PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS, INTERNAL_ERROR = -32700, -32600, -32601, -32602, -32603
REQUEST_CANCELLED = -32800
CANCEL_REQUEST = "$/cancel_request"

Handler = Callable[[str, Any], Awaitable[Any]]
_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder().decode


class RpcFailure(Exception):
    """A JSON-RPC error: raised by a handler to answer with it, or by `request()` when the other side did."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(f"{message} ({code})")
        self.code, self.message, self.data = code, message, data

    def to_wire(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            error["data"] = self.data
        return error


class _Incoming:
    __slots__ = ("task", "method", "params", "cancelled")

    def __init__(self, task: asyncio.Task[None], method: str, params: Any) -> None:
        self.task, self.method, self.params, self.cancelled = task, method, params, False


class Peer:
    """One end of a JSON-RPC connection. `send(bytes)` must not block; `feed(line)` is called for each line read.

    `on_request(method, params)` answers requests (return a result, raise RpcFailure); `on_notification` gets
    notifications. Either raises RpcFailure(METHOD_NOT_FOUND) for methods it does not know. `cancel_hooks`
    lets a method handle `$/cancel_request` its own way (a prompt ends its turn and answers `cancelled`)."""

    def __init__(self, send: Callable[[bytes], None], on_request: Handler, on_notification: Handler) -> None:
        self._send = send
        self._on_request = on_request
        self._on_notification = on_notification
        self.cancel_hooks: dict[str, Callable[[Any], bool]] = {}  # True: handled, no -32800 needed
        self._incoming: dict[int | str, _Incoming] = {}
        self._outgoing: dict[int, asyncio.Future[Any]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._next_id = 0
        self.closed = False

    # ---- sending ------------------------------------------------------------------------------

    def write(self, message: dict[str, Any]) -> None:
        """Encode and queue one message; params and results may hold msgspec Structs, encoded as they are."""
        try:
            data = _encode(message)
        except (TypeError, ValueError, OverflowError) as e:  # a bug in our own result shapes: say so, keep serving
            log.exception("could not encode a %s message", message.get("method", "response"))
            if "id" not in message or "method" in message:
                return
            failure = RpcFailure(INTERNAL_ERROR, f"Internal error: unencodable result: {e}")
            data = _encode(_error(message["id"], failure))
        self._send(data + b"\n")

    def notify(self, method: str, params: Any) -> None:
        self.write({"jsonrpc": "2.0", "method": method, "params": params})

    async def request(self, method: str, params: Any) -> Any:
        """Send a request and wait for its result; RpcFailure if the other side answers with an error.
        Cancelling the caller sends `$/cancel_request`, so the client can dismiss what it is showing."""
        if self.closed:
            raise ConnectionError("the client has disconnected")
        request_id = self._next_id
        self._next_id += 1
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._outgoing[request_id] = future
        self.write({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
        try:
            return await future
        except asyncio.CancelledError:
            if not self.closed and (future.cancelled() or not future.done()):  # still unanswered
                self.notify(CANCEL_REQUEST, {"requestId": request_id})
            raise
        finally:
            self._outgoing.pop(request_id, None)

    # ---- receiving ----------------------------------------------------------------------------

    def oversized(self, size: int) -> None:
        """A line longer than the limit was dropped unread: say so (it cannot be answered by id)."""
        self.write(_error(None, RpcFailure(INVALID_REQUEST, f"Invalid request: a message of {size} bytes is over the "
                                           "limit (TANDEM_MAX_MESSAGE_BYTES)")))

    def feed(self, line: bytes) -> None:
        """Handle one line of input. Bad input gets an error answer (when it can be answered) and nothing else."""
        if not line.strip():
            return
        try:
            msg = _decode(line)
        except (msgspec.DecodeError, RecursionError) as e:  # deep nesting is a RecursionError
            self.write(_error(None, RpcFailure(PARSE_ERROR, f"Parse error: {e}")))
            return
        if not isinstance(msg, dict):
            what = "batches are not supported" if isinstance(msg, list) else f"got {type(msg).__name__}"
            self.write(_error(None, RpcFailure(INVALID_REQUEST, f"Invalid request: expected a JSON object, {what}")))
            return
        msg_id = msg.get("id")
        has_id = "id" in msg
        if has_id and (isinstance(msg_id, bool) or not isinstance(msg_id, (int, str, type(None)))):
            self.write(_error(None, RpcFailure(INVALID_REQUEST, "Invalid request: id must be a number or a string")))
            return
        method = msg.get("method")
        if msg.get("jsonrpc") != "2.0":
            if has_id and method is None and ("result" in msg or "error" in msg):  # a response: never answered
                log.warning("dropping a response without jsonrpc 2.0: %.200s", line)
            else:
                self.write(_error(msg_id, RpcFailure(INVALID_REQUEST, 'Invalid request: "jsonrpc" must be "2.0"')))
            return
        if method is None:
            if has_id and ("result" in msg or "error" in msg):
                self._on_response(msg_id, msg)
            else:
                self.write(_error(msg_id if has_id else None,
                                  RpcFailure(INVALID_REQUEST, "Invalid request: no method, and not a response")))
            return
        if not isinstance(method, str):
            if has_id:
                self.write(_error(msg_id, RpcFailure(INVALID_REQUEST, "Invalid request: method must be a string")))
            return
        params = msg.get("params")
        if has_id:
            self._start_request(msg_id, method, params)
        elif method == CANCEL_REQUEST:
            self._cancel_incoming(params)
        else:
            self._spawn(self._notification(method, params))

    def _start_request(self, msg_id: Any, method: str, params: Any) -> None:
        if msg_id is None or msg_id in self._incoming:
            why = "id must not be null" if msg_id is None else f"id {msg_id!r} is already in use"
            self.write(_error(msg_id, RpcFailure(INVALID_REQUEST, f"Invalid request: {why}")))
            return
        task = self._spawn(self._request(msg_id, method, params))
        self._incoming[msg_id] = _Incoming(task, method, params)

    async def _request(self, msg_id: Any, method: str, params: Any) -> None:
        try:
            result = await self._on_request(method, params)
        except asyncio.CancelledError:
            entry = self._incoming.get(msg_id)
            if entry is None or not entry.cancelled:
                raise  # shutting down: nobody is waiting for an answer
            self.write(_error(msg_id, RpcFailure(REQUEST_CANCELLED, "Request cancelled")))
        except RpcFailure as e:
            self.write(_error(msg_id, e))
        except Exception as e:  # a bug in a handler: answer, log, keep serving
            log.exception("%s failed", method)
            failure = RpcFailure(INTERNAL_ERROR, f"Internal error in {method}: {type(e).__name__}: {e}")
            self.write(_error(msg_id, failure))
        else:
            # Written in the same step as the handler's return: anything the handler scheduled with call_soon
            # (available_commands_update after session/new) goes out after this answer.
            self.write({"jsonrpc": "2.0", "id": msg_id, "result": {} if result is None else result})
        finally:
            self._incoming.pop(msg_id, None)

    async def _notification(self, method: str, params: Any) -> None:
        try:
            await self._on_notification(method, params)
        except RpcFailure as e:
            level = logging.DEBUG if e.code == METHOD_NOT_FOUND else logging.WARNING
            log.log(level, "notification %s dropped: %s", method, e.message)
        except Exception:
            log.exception("notification %s failed", method)

    def _cancel_incoming(self, params: Any) -> None:
        request_id = params.get("requestId") if isinstance(params, dict) else None
        entry = self._incoming.get(request_id) if isinstance(request_id, (int, str)) else None
        if entry is None:
            log.debug("$/cancel_request for %r: no such request in progress", request_id)
            return
        hook = self.cancel_hooks.get(entry.method)
        if hook is not None and hook(entry.params):
            return  # the handler ends early and answers normally
        entry.cancelled = True
        entry.task.cancel()

    def _on_response(self, msg_id: Any, msg: dict[str, Any]) -> None:
        future = self._outgoing.get(msg_id)
        if future is None or future.done():
            log.debug("response to unknown or abandoned request %r", msg_id)
            return
        error = msg.get("error")
        if error is not None:
            error = error if isinstance(error, dict) else {}
            code = error.get("code")
            future.set_exception(RpcFailure(code if isinstance(code, int) else INTERNAL_ERROR,
                                            str(error.get("message", "error")), error.get("data")))
        else:
            future.set_result(msg.get("result"))

    def _spawn(self, coro: Awaitable[None]) -> asyncio.Task[None]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # ---- end ----------------------------------------------------------------------------------

    async def close(self) -> None:
        """The client went away: fail our pending requests and stop the handlers still running."""
        self.closed = True
        for future in self._outgoing.values():
            if not future.done():
                future.set_exception(ConnectionError("the client has disconnected"))
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=5)


def _error(msg_id: Any, failure: RpcFailure) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": msg_id, "error": failure.to_wire()}
