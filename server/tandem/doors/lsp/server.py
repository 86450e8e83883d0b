"""The LSP door: a pygls server whose custom methods keep plain dicts and whose output never blocks."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import sys
from typing import Any, BinaryIO

import attrs
import msgspec
from lsprotocol import types
from pygls.exceptions import FeatureNotificationError, JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol, default_converter, lsp_method
from pygls.protocol.json_rpc import JsonRPCNotification, JsonRPCRequestMessage, JsonRPCResponseMessage

from ... import __version__
from ..common import max_message_bytes
from ..writer import ThreadedWriter

log = logging.getLogger(__name__)

PARSE_ERROR, INVALID_REQUEST, INVALID_PARAMS, INTERNAL_ERROR = -32700, -32600, -32602, -32603
HEADER_LINE_LIMIT = 65536  # a header line longer than this is read (and ignored) in pieces: memory stays bounded
WITHDRAWN_KEPT = 1024  # ids of withdrawn requests remembered, so that a late answer to one is dropped quietly


def _plain(obj: dict[str, Any], cls: type) -> Any:
    """A JSON-RPC message of a method without an LSP type: unknown members are ignored and a missing `params` or
    `result` is null (JSON-RPC lets a request leave params out)."""
    names = {f.name for f in attrs.fields(cls)}
    values = {k: v for k, v in obj.items() if k in names}
    for name in ("params", "result"):
        if name in names:
            values.setdefault(name, None)
    return cls(**values)


def _valid_id(value: Any) -> bool:
    return isinstance(value, (int, str)) and not isinstance(value, bool)


def dict_converter():
    """pygls turns unknown methods' params into namedtuples; keep them dicts so msgspec can decode them."""
    converter = default_converter()
    for cls in (JsonRPCRequestMessage, JsonRPCNotification, JsonRPCResponseMessage):
        converter.register_structure_hook(cls, _plain)
    return converter


class TandemProtocol(LanguageServerProtocol):
    """Adds the ACP handshake to `initialize` and sends pre-encoded bytes as they are."""

    acp_result: dict[str, Any] = {}
    acp_params: dict[str, Any] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._withdrawable_ids = itertools.count(1)
        self._withdrawn: dict[str, None] = {}  # oldest first, at most WITHDRAWN_KEPT

    # ---- requests to the client that the server may withdraw ---------------------------------------

    async def request_withdrawable(self, method: str, params: Any, prefix: str = "req") -> Any:
        """Send a request and wait for its result. Cancelling the caller withdraws it: `$/cancelRequest` lets the
        client dismiss what it shows (a permission prompt), and the client's late answer is dropped quietly."""
        msg_id = f"{prefix}-{next(self._withdrawable_ids)}"
        future = self.send_request_async(method, params, msg_id=msg_id)
        try:
            return await future
        except asyncio.CancelledError:
            if self._request_futures.pop(msg_id, None) is not None:  # unanswered: a late answer must not land
                self._result_types.pop(msg_id, None)
                self._withdrawn[msg_id] = None
                if len(self._withdrawn) > WITHDRAWN_KEPT:
                    del self._withdrawn[next(iter(self._withdrawn))]
                self.notify(types.CANCEL_REQUEST, types.CancelParams(id=msg_id))
            raise

    def _handle_response(self, msg_id: Any, result: Any = None, error: Any = None) -> None:
        """A late answer to a withdrawn request is expected (the client answered, or answered -32800, before it
        saw `$/cancelRequest`): dropped without pygls's "response to unknown message id" warning."""
        if isinstance(msg_id, str) and self._withdrawn.pop(msg_id, 0) is None:
            log.debug("late answer to withdrawn request %s dropped", msg_id)
            return
        super()._handle_response(msg_id, result, error)

    # ---- bad input gets a clear answer and changes nothing (pygls would drop most of it silently) ----------

    def structure_message(self, data: dict[str, Any]) -> Any:
        """pygls calls this for every object of a message, nested ones included (an object in params that has a
        "jsonrpc" member would be taken for a message): leave them all as they are; handle_message structures
        the message itself."""
        return data

    def handle_message(self, message: Any) -> None:
        """Check a message as JSON-RPC 2.0 says (answering what is wrong when it can be answered), then give it
        to pygls as its LSP type. A request's params that do not fit are -32602; a notification's are dropped."""
        if not isinstance(message, dict) or "jsonrpc" not in message:  # a batch, a scalar, an object without it
            what = ("batches are not supported" if isinstance(message, list) else
                    "no \"jsonrpc\" member" if isinstance(message, dict) else f"got {type(message).__name__}")
            self.reply_error(None, INVALID_REQUEST, f"Invalid request: expected a JSON-RPC 2.0 object, {what}")
            return
        has_id, msg_id, method = "id" in message, message.get("id"), message.get("method")
        if "method" not in message:
            if has_id and ("result" in message or "error" in message):  # a response: never answered
                if message.get("jsonrpc") == "2.0" and _valid_id(msg_id):
                    self._structured(message, None)
                else:
                    log.warning("dropping a response that is not JSON-RPC 2.0 (id %.100r)", msg_id)
            else:
                self.reply_error(msg_id if _valid_id(msg_id) else None, INVALID_REQUEST,
                                 "Invalid request: no method, and not a response")
            return
        if message.get("jsonrpc") != "2.0" or not isinstance(method, str):
            why = '"jsonrpc" must be "2.0"' if message.get("jsonrpc") != "2.0" else "method must be a string"
            self.reply_error(msg_id if _valid_id(msg_id) else None, INVALID_REQUEST, f"Invalid request: {why}")
            return
        if has_id and not _valid_id(msg_id):
            self.reply_error(None, INVALID_REQUEST, "Invalid request: id must be a number or a string")
            return
        kind = self.get_message_type(method) if has_id else None
        if kind is not None and attrs.has(kind) and "id" not in attrs.fields_dict(kind):
            self.reply_error(msg_id, INVALID_REQUEST, f"Invalid request: {method} is a notification: send it without "
                             "an id")
            return
        if has_id and self._shutdown and method != types.EXIT:
            self.reply_error(msg_id, INVALID_REQUEST, f"{method}: the server is shutting down")
            return
        self._structured(message, method)

    def _structured(self, data: dict[str, Any], method: str | None) -> None:
        try:
            message = LanguageServerProtocol.structure_message(self, data)
        except JsonRpcException as error:  # params that do not fit the method's LSP type
            if method is None:
                log.warning("dropping a response that does not fit: %s", error)
            elif "id" in data:
                self.reply_error(data["id"], INVALID_PARAMS, f"{method}: invalid params")
            else:
                log.warning("notification %s dropped: its params do not fit", method)
            return
        try:
            super().handle_message(message)
        except Exception as error:  # pygls lets some through (a $/cancelRequest whose id is a list, say)
            if method is not None and "id" in data:
                self.reply_error(data["id"], INTERNAL_ERROR, f"Internal error in {method}: {error}")
            else:
                log.warning("%s dropped: %s", method or "a response", error)

    def reply_error(self, msg_id: Any, code: int, message: str) -> None:
        if msg_id is None:  # pygls would leave `"id": null` out, and JSON-RPC requires it
            error = {"jsonrpc": "2.0", "id": None, "error": {"code": code, "message": message[:2000]}}
            self.send_raw(json.dumps(error, ensure_ascii=False).encode("utf-8"))
        else:
            self._send_response(msg_id, None, types.ResponseError(code=code, message=message[:2000]))

    @lsp_method(types.INITIALIZE)
    def lsp_initialize(self, params: types.InitializeParams):
        result = yield from super().lsp_initialize(params)
        options = params.initialization_options
        self.acp_params = options.get("acp", {}) if isinstance(options, dict) else {}
        result.capabilities.experimental = {"acp": self.acp_result}
        return result

    def send_raw(self, body: bytes) -> None:
        """Send a JSON-RPC message already encoded (by msgspec)."""
        if self.writer is not None:
            self.writer.write(frame(body))

    def _send_data(self, data: Any) -> None:
        if not data or self.writer is None:
            return
        try:
            try:
                body = json.dumps(data, default=self._serialize_message, ensure_ascii=False).encode("utf-8")
            except UnicodeEncodeError:  # a lone surrogate (from a \\udXXX escape): JSON can still carry it escaped
                body = json.dumps(data, default=self._serialize_message).encode("ascii")
        except Exception as error:  # a bug in our result shapes: report it, keep serving
            log.exception("could not encode a message")
            self._server._report_server_error(error, Exception)
            return
        self.writer.write(frame(body))


class TandemServer(LanguageServer):
    """The `tandem serve` process."""

    def __init__(self) -> None:
        super().__init__("tandem", __version__, protocol_cls=TandemProtocol, converter_factory=dict_converter)

    def start_stdio(self) -> None:
        writer = ThreadedWriter(sys.stdout.buffer)
        original = self.protocol.set_writer

        def set_writer(_writer: Any, include_headers: bool = True) -> None:
            original(writer, include_headers)

        self.protocol.set_writer = set_writer  # type: ignore[method-assign]
        self._input = BoundedInput(sys.stdin.buffer, max_message_bytes())
        try:
            self.start_io(self._input)
        finally:
            writer.close()

    def report_server_error(self, error: Exception, source: Any) -> None:
        """pygls shows every error in a popup. Input that cannot be read gets a JSON-RPC error answer instead (id
        null, as JSON-RPC says), and a notification that fails is only logged: nobody is waiting for it."""
        if source is JsonRpcException:  # from the read loop: the body is not JSON, or not a message
            oversized = getattr(self, "_input", None) and self._input.take_oversized()
            if oversized:
                self.protocol.reply_error(None, INVALID_REQUEST, f"Invalid request: a message of {oversized} bytes "
                                          f"is over the limit of {self._input.limit} (TANDEM_MAX_MESSAGE_BYTES)")
            elif bad := getattr(self, "_input", None) and self._input.take_bad():
                self.protocol.reply_error(None, PARSE_ERROR, f"Parse error: {bad}")
            elif isinstance(error, (ValueError, RecursionError)):
                self.protocol.reply_error(None, PARSE_ERROR, f"Parse error: {error}")
            else:
                self.protocol.reply_error(None, INVALID_REQUEST, f"Invalid request: {error}")
            return
        if source is FeatureNotificationError:
            log.warning("a notification failed: %s", error)
            return
        super().report_server_error(error, source)


class QuietReadErrors(logging.Filter):
    """pygls logs a whole traceback for each message it cannot read; the client already gets a JSON-RPC error for it
    (report_server_error), so the log keeps one line: a fuzzing client or a buggy one would bury everything else."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg == "Unable to handle message" and record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            record.msg, record.args = "unreadable message, answered with an error: %s: %s", (type(error).__name__,
                                                                                            error)
            record.exc_info, record.exc_text = None, None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def frame(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


class BoundedInput:
    """stdin for pygls's read loop, with bounded memory: a header line is read in pieces of at most 64 KiB, and a
    body over the limit is read and dropped in pieces (the stream stays in step) and answered with an error.
    After a framing fault it finds the next header even when leftovers precede it on its line."""

    def __init__(self, stream: BinaryIO, limit: int) -> None:
        self._stream = stream
        self.limit = limit
        self._oversized = 0
        self._bad = ""

    def readline(self) -> bytes:
        line = self._stream.readline(HEADER_LINE_LIMIT)
        # After a body sent without its header (or with a wrong length) the next header is glued to the end of a
        # line of leftovers; starting the line there puts the stream back in step at that message.
        start = line.find(b"Content-Length:", 1)
        return line[start:] if start > 0 and line.endswith(b"\r\n") else line

    def read(self, size: int) -> bytes:
        if size <= self.limit:
            body = self._stream.read(size)
            if b"\\ud" in body or b"\\uD" in body:  # json accepts lone surrogates, which cannot be sent back
                try:
                    msgspec.json.decode(body)
                except msgspec.DecodeError as e:
                    self._bad = str(e)
                    return b"\x00"
            return body
        left = size
        while left > 0:
            chunk = self._stream.read(min(left, 1 << 20))
            if not chunk:
                return b""  # the input ended: so does the server
            left -= len(chunk)
        self._oversized = size
        return b"\x00"  # not JSON: the read loop reports it, and report_server_error says why

    def take_oversized(self) -> int:
        size, self._oversized = self._oversized, 0
        return size

    def take_bad(self) -> str:
        bad, self._bad = self._bad, ""
        return bad
