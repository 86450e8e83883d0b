"""A faithful fake of the Anthropic Messages API on loopback (SSE streams, faults, request recording) for tests."""

# Script items: a queue, one item per POST /v1/messages, in order. JSON form (--script file, POST /_fake/enqueue):
#   "hi" or {"text": "hi"}                                                   = Reply.text("hi")
#   {"blocks": [{"type": "thinking", "thinking": "...", "signature"?}, {"type": "text", "text": "..."},
#               {"type": "tool_use", "name": "Bash", "input": {...}, "id"?}],
#    "stop_reason"? (default tool_use if a tool_use block, else end_turn), "stop_sequence"?, "usage"? {...},
#    "chunk"? 16 (chars per text/thinking delta; tool JSON fragments scale with it), "delay"? 0 (s between events),
#    "model"? (default: the request's)}
#   {"fault": "status", "status": 429, "retry_after"?: 1, "error_type"?, "message"?}
#   {"fault": "disconnect" | "malformed" | "stream_error", "after_events": 3, "reply"?: a reply item}
#   {"fault": "hang"}
# With the queue empty, `responder(request_json)` answers if set, else the default reply (text "OK", counted in
# `default_reply_count`). Control endpoints (no auth): POST /_fake/enqueue (an item or a list), GET /_fake/requests,
# POST /_fake/reset (clears queue and records).

from __future__ import annotations

import argparse
import asyncio
import base64
import dataclasses
import hashlib
import http
import itertools
import json
import secrets
import signal
import string
import sys
import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Union

# ---- Builder: what the fake answers ------------------------------------------------------------------------------


@dataclass
class Text:
    text: str


@dataclass
class Thinking:
    thinking: str
    signature: str | None = None  # default: derived from the text


@dataclass
class ToolUse:
    name: str
    input: dict[str, Any]
    id: str | None = None  # default: a fresh toolu_ id each time it is served


Block = Union[Text, Thinking, ToolUse]
BLOCK_TYPES: dict[str, type] = {"text": Text, "thinking": Thinking, "tool_use": ToolUse}


@dataclass
class Reply:
    """One assistant message, streamed or returned whole depending on the request's `stream`."""

    blocks: list[Block] = field(default_factory=list)
    stop_reason: str | None = None  # None: tool_use if any ToolUse block, else end_turn
    stop_sequence: str | None = None
    usage: dict[str, int] | None = None  # overrides the estimated usage, key by key
    chunk: int = 16
    delay: float = 0.0
    model: str | None = None

    @classmethod
    def text(cls, text: str, **options: Any) -> Reply:
        return cls(blocks=[Text(text)], **options)

    def to_json(self) -> dict[str, Any]:
        blocks = [{"type": kind, **_set_fields(block)} for block in self.blocks
                  for kind, cls in BLOCK_TYPES.items() if isinstance(block, cls)]
        return {**_set_fields(self), "blocks": blocks}


@dataclass
class Fault:
    """A failure served instead of a reply, or in the middle of one."""

    kind: str  # status | disconnect | malformed | stream_error | hang
    status_code: int = 500
    retry_after: float | None = None
    after_events: int = 0
    error_type: str | None = None
    message: str | None = None
    reply: Reply | None = None  # what disconnect/malformed/stream_error begin to serve (default: a short text)

    @classmethod
    def status(cls, code: int, *, retry_after: float | None = None, error_type: str | None = None,
               message: str | None = None) -> Fault:
        """An HTTP error (429 rate_limit_error, 500 api_error, 529 overloaded_error...) with the real error JSON."""
        return cls("status", status_code=code, retry_after=retry_after, error_type=error_type, message=message)

    @classmethod
    def disconnect(cls, after_events: int = 0, reply: Reply | None = None) -> Fault:
        """Drop the TCP connection after `after_events` SSE events (non-streaming: before any response)."""
        return cls("disconnect", after_events=after_events, reply=reply)

    @classmethod
    def malformed(cls, after_events: int = 0, reply: Reply | None = None) -> Fault:
        """Insert an event whose data is not JSON at position `after_events` (non-streaming: a truncated body)."""
        return cls("malformed", after_events=after_events, reply=reply)

    @classmethod
    def stream_error(cls, after_events: int = 0, error_type: str = "overloaded_error") -> Fault:
        """End the stream with `event: error` after `after_events` events, as the real API does when overloaded."""
        return cls("stream_error", after_events=after_events, error_type=error_type)

    @classmethod
    def hang(cls) -> Fault:
        """Read the request and never answer, until the client closes the connection."""
        return cls("hang")

    def to_json(self) -> dict[str, Any]:
        fields = _set_fields(self)
        out = {"fault": fields.pop("kind"), "status": fields.pop("status_code"), **fields}
        return out if self.reply is None else dict(out, reply=self.reply.to_json())


Item = Union[Reply, Fault]
FAULT_KINDS = ("status", "disconnect", "malformed", "stream_error", "hang")
REPLY_OPTIONS = {"stop_reason", "stop_sequence", "usage", "chunk", "delay", "model"}


def _set_fields(obj: Any) -> dict[str, Any]:
    """A dataclass's fields that are not None, leaving out the nested blocks and reply."""
    values = {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj) if f.name not in ("blocks", "reply")}
    return {name: value for name, value in values.items() if value is not None}


def item_from_json(obj: Any) -> Item:
    """A Reply or Fault from its script JSON form (see the top of this module); builder objects pass through."""
    if isinstance(obj, (Reply, Fault, str)):
        return Reply.text(obj) if isinstance(obj, str) else obj
    obj = dict(obj)
    if "fault" in obj:
        kind, reply, status = obj.pop("fault"), obj.pop("reply", None), obj.pop("status", 500)
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}")
        return Fault(kind, status_code=status, reply=item_from_json(reply) if reply else None, **obj)
    text, blocks = obj.pop("text", None), obj.pop("blocks", None)
    if set(obj) - REPLY_OPTIONS or (text is None) == (blocks is None):
        raise ValueError(f"a reply needs one of text or blocks, and known options only: {sorted(obj)}")
    return Reply.text(text, **obj) if text is not None else Reply([_block_from_json(b) for b in blocks], **obj)


def _block_from_json(block: dict[str, Any]) -> Block:
    fields = dict(block)
    kind = fields.pop("type", None)
    if kind not in BLOCK_TYPES:
        raise ValueError(f"unknown block type {kind!r}")
    return BLOCK_TYPES[kind](**fields)


# ---- Wire format: messages, SSE events, errors ---------------------------------------------------------------------

ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
               404: "not_found_error", 413: "request_too_large", 429: "rate_limit_error", 500: "api_error",
               504: "timeout_error", 529: "overloaded_error"}
ERROR_MESSAGES = {429: "Number of request tokens has exceeded your per-minute rate limit",
                  500: "Internal server error", 529: "Overloaded"}
FRAGMENT_SIZES = (1, 3, 7, 5, 11, 13, 2)  # tool-input JSON fragments: split mid-key, mid-string, mid-escape
MALFORMED_EVENT = b'event: content_block_delta\ndata: {"type": "content_block_delta", "index": 0, "delta": {"ty\n\n'
FAULT_TEXT = "This answer is cut short by a fault of the fake server, on purpose."
_ID_ALPHABET = string.ascii_letters + string.digits


def _new_id(prefix: str) -> str:
    return prefix + "01" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(22))


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def _phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:  # 529 and other non-standard codes
        return "Overloaded" if status == 529 else "Error"


def error_body(status: int, message: str | None = None, error_type: str | None = None) -> dict[str, Any]:
    error = {"type": error_type or ERROR_TYPES.get(status, "api_error"),
             "message": message or ERROR_MESSAGES.get(status) or _phrase(status)}
    return {"type": "error", "error": error, "request_id": _new_id("req_")}


def build_message(reply: Reply, request: dict[str, Any], request_size: int) -> dict[str, Any]:
    """The whole message JSON, as a non-streaming response carries it."""
    content: list[dict[str, Any]] = []
    for block in reply.blocks:
        if isinstance(block, Text):
            content.append({"type": "text", "text": block.text})
        elif isinstance(block, Thinking):
            digest = hashlib.sha256(block.thinking.encode()).digest() * 3
            signature = block.signature or base64.b64encode(digest).decode()
            content.append({"type": "thinking", "thinking": block.thinking, "signature": signature})
        else:
            content.append({"type": "tool_use", "id": block.id or _new_id("toolu_"), "name": block.name,
                            "input": block.input})
    stop_reason = reply.stop_reason or ("tool_use" if any(b["type"] == "tool_use" for b in content) else "end_turn")
    usage = {"input_tokens": max(1, request_size // 4), "output_tokens": max(1, len(_dumps(content)) // 4),
             "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0, **(reply.usage or {})}
    return {"id": _new_id("msg_"), "type": "message", "role": "assistant",
            "model": reply.model or request.get("model", "claude-fake"), "content": content,
            "stop_reason": stop_reason, "stop_sequence": reply.stop_sequence, "usage": usage}


def _pieces(text: str, sizes: tuple[int, ...]) -> list[str]:
    pieces, position = [], 0
    for size in itertools.cycle(sizes):
        if position >= len(text):
            return pieces
        pieces.append(text[position:position + size])
        position += size
    return pieces


def stream_events(message: dict[str, Any], chunk: int = 16) -> list[tuple[str, dict[str, Any]]]:
    """The SSE events (name, payload) that stream `message`, in the real API's order."""
    chunk, usage = max(1, chunk), message["usage"]
    start = dict(message, content=[], stop_reason=None, stop_sequence=None, usage=dict(usage, output_tokens=1))
    events: list[tuple[str, dict[str, Any]]] = [("message_start", {"type": "message_start", "message": start})]
    for index, block in enumerate(message["content"]):
        if block["type"] == "text":
            opening = {"type": "text", "text": ""}
            deltas = [{"type": "text_delta", "text": t} for t in _pieces(block["text"], (chunk,))]
        elif block["type"] == "thinking":
            opening = {"type": "thinking", "thinking": "", "signature": ""}
            deltas = [{"type": "thinking_delta", "thinking": t} for t in _pieces(block["thinking"], (chunk,))]
            deltas.append({"type": "signature_delta", "signature": block["signature"]})
        else:  # tool_use: the input arrives as JSON text, its first fragment empty
            opening = dict(block, input={})
            sizes = tuple(size * max(1, chunk // 16) for size in FRAGMENT_SIZES)
            fragments = [""] + _pieces(json.dumps(block["input"], ensure_ascii=False), sizes)
            deltas = [{"type": "input_json_delta", "partial_json": f} for f in fragments]
        events.append(("content_block_start", {"type": "content_block_start", "index": index,
                                               "content_block": opening}))
        if index == 0:
            events.append(("ping", {"type": "ping"}))
        events += [("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta})
                   for delta in deltas]
        events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
    if not message["content"]:
        events.append(("ping", {"type": "ping"}))
    stop = {"stop_reason": message["stop_reason"], "stop_sequence": message["stop_sequence"]}
    events.append(("message_delta", {"type": "message_delta", "delta": stop,
                                     "usage": {"output_tokens": usage["output_tokens"]}}))
    events.append(("message_stop", {"type": "message_stop"}))
    return events


def render_event(name: str, payload: dict[str, Any]) -> bytes:
    return b"event: %s\ndata: %s\n\n" % (name.encode(), _dumps(payload))


# ---- The server ----------------------------------------------------------------------------------------------------


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: str
    headers: dict[str, str]  # lower-cased names
    body: Any  # parsed JSON; None if empty or not JSON
    raw_size: int  # body bytes after de-chunking: the "bytes sent per model call"
    wire_size: int  # request line, headers and framed body as received
    connection: int  # server-side connection number: a repeat means a reused keep-alive connection
    served: str = ""  # queue | responder | default | count_tokens | error:<status>
    at: float = field(default_factory=time.time)

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class FakeAnthropic:
    """The fake server on its own thread and event loop: `with FakeAnthropic() as fake: ... fake.base_url`."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, api_key: str | None = None,
                 default_reply: Reply | None = None, event_log: bool = False) -> None:
        self.host, self.port = host, port
        self.api_key = api_key  # None: any non-empty key is accepted
        self.default_reply = default_reply or Reply.text("OK")
        self.responder: Callable[[dict[str, Any]], Item | str | dict[str, Any]] | None = None
        self.default_reply_count = 0
        # (time.perf_counter(), text length so far in this stream) as each text delta is written: benchmarks
        # measure per-delta latency against it; the caller clears it between streams
        self.event_log: list[tuple[float, int]] | None = [] if event_log else None
        self._cond = threading.Condition()  # guards the queue, the records and the counter
        self._queue: deque[Item] = deque()
        self._requests: list[RecordedRequest] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._connection_tasks: set[asyncio.Task[None]] = set()
        self._connection_ids = itertools.count(1)

    # -- for tests, from any thread --

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._cond:
            return list(self._requests)

    @property
    def pending(self) -> int:
        with self._cond:
            return len(self._queue)

    def enqueue(self, *items: Item | str | dict[str, Any]) -> None:
        built = [item_from_json(item) for item in items]
        with self._cond:
            self._queue.extend(built)

    def reset(self) -> None:
        with self._cond:
            self._queue.clear()
            self._requests.clear()
            self.default_reply_count = 0

    def wait_for_requests(self, count: int, timeout: float = 5.0) -> list[RecordedRequest]:
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._requests) >= count, timeout):
                raise TimeoutError(f"{len(self._requests)} requests after {timeout} s, wanted {count}")
            return list(self._requests)

    async def wait_for_requests_async(self, count: int, timeout: float = 5.0) -> list[RecordedRequest]:
        return await asyncio.to_thread(self.wait_for_requests, count, timeout)

    def start(self) -> FakeAnthropic:
        if self._thread is None:
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(target=self._loop.run_forever, name="fake-anthropic", daemon=True)
            self._thread.start()
            asyncio.run_coroutine_threadsafe(self._open(), self._loop).result(timeout=10)
        return self

    def stop(self) -> None:
        if self._thread is not None and self._loop is not None:
            asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(timeout=10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop.close()
            self._thread = self._loop = None

    def __enter__(self) -> FakeAnthropic:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- on the server's event loop --

    async def _open(self) -> None:
        self._server = await asyncio.start_server(self._serve_connection, self.host, self.port, limit=1 << 20)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _close(self) -> None:
        assert self._server is not None
        self._server.close()
        tasks = list(self._connection_tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._server.wait_closed()

    async def _serve_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connection_tasks.add(task)
        connection = next(self._connection_ids)
        try:
            while (request := await self._read_request(reader, connection)) is not None:
                keep_alive = await self._dispatch(request, reader, writer)
                if not keep_alive or request.headers.get("connection", "").lower() == "close":
                    break
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass  # the client went away, or stop() (a task ending cancelled here would be logged by asyncio)
        except Exception:  # a bug of the fake must not kill the loop: show it, drop the connection
            traceback.print_exc()
        finally:
            self._connection_tasks.discard(task)
            writer.transport.abort()

    async def _read_request(self, reader: asyncio.StreamReader, connection: int) -> RecordedRequest | None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            return None
        request_line, *header_lines = head.decode("latin-1").rstrip("\r\n").split("\r\n")
        method, target, _version = request_line.split(" ", 2)
        headers = {name.strip().lower(): value.strip() for name, _, value in (h.partition(":") for h in header_lines)}
        wire_size = len(head)
        if "chunked" in headers.get("transfer-encoding", "").lower():
            parts = []
            while True:  # each part keeps its trailing CRLF; the last one is the final CRLF (no trailers)
                size_line = await reader.readuntil(b"\r\n")
                size = int(size_line.split(b";")[0], 16)
                parts.append(await reader.readexactly(size + 2))
                wire_size += len(size_line) + size + 2
                if size == 0:
                    break
            raw = b"".join(part[:-2] for part in parts)
        else:
            raw = await reader.readexactly(int(headers.get("content-length") or 0))
            wire_size += len(raw)
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        path, _, query = target.partition("?")
        return RecordedRequest(method, path, query, headers, body, len(raw), wire_size, connection)

    async def _send(self, writer: asyncio.StreamWriter, status: int, body: Any,
                    headers: dict[str, str] | None = None) -> bool:
        """A JSON response (bytes are sent as they are); an error body's request_id is also the header."""
        data = body if isinstance(body, bytes) else _dumps(body)
        request_id = body.get("request_id") if isinstance(body, dict) else None
        lines = [f"HTTP/1.1 {status} {_phrase(status)}", "content-type: application/json",
                 f"content-length: {len(data)}", f"request-id: {request_id or _new_id('req_')}",
                 "connection: keep-alive", *(f"{name}: {value}" for name, value in (headers or {}).items())]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + data)
        await writer.drain()
        return True

    async def _dispatch(self, request: RecordedRequest, reader: asyncio.StreamReader,
                        writer: asyncio.StreamWriter) -> bool:
        if request.path.startswith("/_fake/"):
            return await self._control(request, writer)
        with self._cond:
            self._requests.append(request)
            self._cond.notify_all()
        if (rejection := self._rejection(request)) is not None:
            request.served = f"error:{rejection[0]}"
            return await self._send(writer, rejection[0], error_body(*rejection))
        if request.path == "/v1/messages/count_tokens":
            request.served = "count_tokens"
            counted = {name: request.body.get(name) for name in ("system", "messages", "tools")}
            return await self._send(writer, 200, {"input_tokens": max(1, len(_dumps(counted)) // 4)})
        return await self._answer_messages(request, reader, writer)

    def _rejection(self, request: RecordedRequest) -> tuple[int, str] | None:
        """The (status, message) the real API would refuse this request with, if any."""
        authorization = request.headers.get("authorization", "")
        key = request.headers.get("x-api-key") or (authorization[7:] if authorization.startswith("Bearer ") else "")
        if not key.strip():
            return 401, "x-api-key header is required"
        if self.api_key is not None and key != self.api_key:
            return 401, "invalid x-api-key"
        if request.method != "POST" or request.path not in ("/v1/messages", "/v1/messages/count_tokens"):
            return 404, f"Not found: {request.method} {request.path}"
        if "anthropic-version" not in request.headers:
            return 400, "anthropic-version: header is required"
        if not isinstance(request.body, dict):
            return 400, "There was an error parsing the body of your request"
        counting = request.path.endswith("count_tokens")
        for name in ("model", "messages") if counting else ("model", "max_tokens", "messages"):
            if name not in request.body:
                return 400, f"{name}: Field required"
        return None

    def _next_item(self, request: RecordedRequest) -> Item:
        with self._cond:
            if self._queue:
                request.served = "queue"
                return self._queue.popleft()
            responder = self.responder
            if responder is None:
                request.served = "default"
                self.default_reply_count += 1
                return self.default_reply
        request.served = "responder"
        return item_from_json(responder(request.body))

    async def _answer_messages(self, request: RecordedRequest, reader: asyncio.StreamReader,
                               writer: asyncio.StreamWriter) -> bool:
        try:
            item = self._next_item(request)
        except Exception as exc:
            traceback.print_exc()
            return await self._send(writer, 500, error_body(500, f"fake responder failed: {exc!r}"))
        fault = item if isinstance(item, Fault) else None
        if fault is not None and fault.kind == "status":
            headers = {"retry-after": f"{fault.retry_after:g}"} if fault.retry_after is not None else None
            return await self._send(writer, fault.status_code,
                                    error_body(fault.status_code, fault.message, fault.error_type), headers)
        if fault is not None and fault.kind == "hang":
            while await reader.read(65536):
                pass
            return False
        reply = (fault.reply or Reply.text(FAULT_TEXT, chunk=8)) if fault is not None else item
        assert isinstance(reply, Reply)
        message = build_message(reply, request.body, request.raw_size)
        if request.body.get("stream"):
            return await self._stream(writer, message, reply, fault)
        if fault is None:
            return await self._send(writer, 200, message)
        if fault.kind == "malformed":
            return await self._send(writer, 200, _dumps(message)[:40])
        if fault.kind == "stream_error":
            return await self._send(writer, 529, error_body(529, error_type=fault.error_type))
        return False  # disconnect: no response at all

    async def _stream(self, writer: asyncio.StreamWriter, message: dict[str, Any], reply: Reply,
                      fault: Fault | None) -> bool:
        pairs = stream_events(message, reply.chunk)
        events = [render_event(name, payload) for name, payload in pairs]
        marks: dict[int, int] = {}  # event index -> text length so far, for the event log
        if self.event_log is not None and fault is None:  # faults shift the events; benchmarks use clean streams
            total = 0
            for index, (name, payload) in enumerate(pairs):
                if name == "content_block_delta" and payload["delta"]["type"] == "text_delta":
                    total += len(payload["delta"]["text"])
                    marks[index] = total
        cut = min(fault.after_events, len(events)) if fault is not None else len(events)
        if fault is not None and fault.kind == "malformed":
            events.insert(cut, MALFORMED_EVENT)
        elif fault is not None:  # disconnect or stream_error
            events = events[:cut]
            if fault.kind == "stream_error":
                events.append(render_event("error", error_body(529, error_type=fault.error_type)))
        writer.write(("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\n"
                      f"cache-control: no-cache\r\nrequest-id: {_new_id('req_')}\r\n"
                      "transfer-encoding: chunked\r\nconnection: keep-alive\r\n\r\n").encode())
        for index, event in enumerate(events):
            if reply.delay and index:
                await asyncio.sleep(reply.delay)
            writer.write(b"%x\r\n%s\r\n" % (len(event), event))
            if index in marks and self.event_log is not None:
                self.event_log.append((time.perf_counter(), marks[index]))
            await writer.drain()
        if fault is not None and fault.kind == "disconnect":
            return False  # the connection handler aborts the transport, leaving the chunked body unfinished
        writer.write(b"0\r\n\r\n")
        await writer.drain()
        return True

    async def _control(self, request: RecordedRequest, writer: asyncio.StreamWriter) -> bool:
        route = (request.method, request.path)
        if route == ("POST", "/_fake/enqueue"):
            items = request.body if isinstance(request.body, list) else [request.body]
            try:
                self.enqueue(*items)
            except (TypeError, ValueError, KeyError) as exc:
                return await self._send(writer, 400, error_body(400, f"bad script item: {exc}"))
            return await self._send(writer, 200, {"queued": len(items), "pending": self.pending})
        if route == ("GET", "/_fake/requests"):
            return await self._send(writer, 200, [r.to_json() for r in self.requests])
        if route == ("POST", "/_fake/reset"):
            self.reset()
            return await self._send(writer, 200, {"ok": True})
        return await self._send(writer, 404, error_body(404, f"Not found: {request.method} {request.path}"))


# ---- Separate process: python -m tandem.agent.fake_api --port 0 --script script.json -------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tandem.agent.fake_api", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--script", help="a JSON file: a list of script items (see the top of the module)")
    parser.add_argument("--api-key", help="require this key (default: accept any non-empty key)")
    args = parser.parse_args(argv)
    fake = FakeAnthropic(host=args.host, port=args.port, api_key=args.api_key)
    if args.script:
        with open(args.script, encoding="utf-8") as script:
            items = json.load(script)
        fake.enqueue(*(items if isinstance(items, list) else [items]))
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    with fake:
        print(json.dumps({"base_url": fake.base_url}), flush=True)  # the one line a parent waits for
        while not stopping.wait(0.2):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
