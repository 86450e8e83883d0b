"""The model behind a Protocol: a request, a streaming sink, a reply; AnthropicModel imports the SDK lazily."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import msgspec

from .sdk_import import import_sdk


class ModelError(Exception):
    """The model call failed for good (after bounded retries); the message is shown to the user."""


class MissingApiKey(ModelError):
    """No API key is configured."""


@dataclass
class ModelRequest:
    """One call to the model: everything the Messages API needs, already in its format."""

    model: str
    system: list[dict[str, Any]]
    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]]
    max_tokens: int
    effort: str = "medium"  # low | medium | high | xhigh | max


@dataclass
class ModelReply:
    """The assistant message the model produced, with why it stopped and what it cost."""

    content: list[dict[str, Any]]
    stop_reason: str | None
    usage: dict[str, int] = field(default_factory=dict)


class StreamSink(Protocol):
    """Receives the reply while it streams (the loop forwards it to the client)."""

    def on_text(self, text: str) -> None: ...

    def on_thinking(self, text: str) -> None: ...

    def on_retry(self, attempt: int, delay: float, reason: str) -> None: ...


class Model(Protocol):
    """Anything that can stream a reply; the fake API and the real one both sit behind AnthropicModel."""

    async def stream(self, request: ModelRequest, sink: StreamSink) -> ModelReply: ...


def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ[name])
    except (KeyError, ValueError):
        return default


@dataclass
class RetryPolicy:
    """Our own bound on retries: the SDK would obey any retry-after, however large.
    TANDEM_RETRY_MAX_DELAY and TANDEM_RETRY_BUDGET (seconds) override the caps."""

    attempts: int = 4
    max_delay: float = field(default_factory=lambda: _env_float("TANDEM_RETRY_MAX_DELAY", 8.0))
    total_budget: float = field(default_factory=lambda: _env_float("TANDEM_RETRY_BUDGET", 45.0))
    request_timeout: float = field(default_factory=lambda: _env_float("TANDEM_REQUEST_TIMEOUT", 600.0))


_RETRYABLE_STATUS = {408, 409, 429, 500, 502, 503, 504, 529}
_decode_json = msgspec.json.Decoder().decode


class AnthropicModel:
    """Streams from the Messages API through the official SDK, consuming raw events (no per-delta re-parse)."""

    def __init__(self, *, api_key: str | None = None, base_url: str | None = None,
                 retry: RetryPolicy | None = None) -> None:
        self.api_key = api_key if api_key is not None else os.environ.get("ANTHROPIC_API_KEY")
        self.base_url = base_url or os.environ.get("ANTHROPIC_BASE_URL") or None
        self.retry = retry or RetryPolicy()
        self._client: Any = None
        self._client_lock = threading.Lock()
        self._tls: concurrent.futures.Future[Any] | None = None

    def client(self) -> Any:
        if not self.api_key:
            raise MissingApiKey("No Anthropic API key: set ANTHROPIC_API_KEY in the server's environment.")
        with self._client_lock:  # warm() may be building it in a thread while a prompt asks for it
            if self._client is None:
                anthropic = import_sdk()
                extra: dict[str, Any] = {}
                if self._tls is not None:
                    try:
                        extra["http_client"] = anthropic.DefaultAsyncHttpxClient(verify=self._tls.result(timeout=30))
                    except Exception:  # noqa: BLE001  (the SDK then builds its own, as without warm-up)
                        pass
                client = anthropic.AsyncAnthropic(
                    api_key=self.api_key, base_url=self.base_url, max_retries=0, timeout=self.retry.request_timeout,
                    **extra,
                )
                self._client = client
        return self._client

    async def warm(self, *, client: bool = True) -> None:
        """Import the SDK (and build the client) off the event loop so the first prompt does not pay for it."""
        if client and self.api_key and self._client is None:
            self._build_tls_context()
        await asyncio.to_thread(import_sdk)
        if client and self.api_key and self._client is None:
            await asyncio.to_thread(self.client)

    def _build_tls_context(self) -> None:
        """Load the CA certificates (20-40 ms, mostly OpenSSL with the GIL released) on a thread of their own, beside
        the SDK import, instead of after it; the context is the one the SDK's transport would build itself."""
        if self._tls is not None:
            return
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        self._tls = future

        def build() -> None:
            try:
                import httpx2

                future.set_result(httpx2.create_ssl_context())
            except BaseException as e:  # noqa: BLE001  (reported to client(), which falls back)
                future.set_exception(e)

        threading.Thread(target=build, name="tandem-tls", daemon=True).start()

    async def stream(self, request: ModelRequest, sink: StreamSink) -> ModelReply:
        anthropic = import_sdk()
        import httpx2  # the SDK's transport: a connection dropped mid-stream surfaces as its error, unwrapped

        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            emitted = _Emitted(sink)
            try:
                return await self._stream_once(request, emitted)
            except anthropic.APIStatusError as e:
                retryable, reason = _retryable(e), _status_reason(e)
                retry_after = _retry_after(e)
            except (anthropic.APIConnectionError, httpx2.HTTPError, ValueError) as e:
                retryable, reason, retry_after = True, f"connection problem ({type(e).__name__}: {e})", None
            if not retryable or emitted.any or attempt >= self.retry.attempts:
                raise ModelError(f"The model call failed: {reason}" + (" (gave up after retries)" if retryable else ""))
            delay = min(retry_after if retry_after is not None else 0.5 * 2 ** (attempt - 1), self.retry.max_delay)
            if time.monotonic() - started + delay > self.retry.total_budget:
                raise ModelError(f"The model call failed: {reason} (gave up: retry budget spent)")
            sink.on_retry(attempt, delay, reason)
            await asyncio.sleep(delay)

    async def _stream_once(self, request: ModelRequest, sink: _Emitted) -> ModelReply:
        params: dict[str, Any] = dict(
            model=request.model, system=request.system, messages=request.messages, max_tokens=request.max_tokens,
            stream=True,
        )
        if request.tools:
            params["tools"] = request.tools
        if request.effort != "off":
            params["thinking"] = {"type": "adaptive", "display": "summarized"}
            params["output_config"] = {"effort": request.effort}
        # The SDK's request path for any endpoint (its README's "undocumented requests"), events as the JSON the API
        # sent: the same client, retries off, errors and SSE decoding as messages.create, without loading the
        # request-parameter and event types (~600 modules) that the typed resource imports for its signatures.
        stream = await self.client().post("/v1/messages", body=params, cast_to=object, stream=True,
                                          stream_cls=import_sdk().AsyncStream[object])
        try:
            return await assemble(stream, sink)
        except (KeyError, IndexError, TypeError, AttributeError) as e:  # JSON, but not the events of a Messages stream
            raise ValueError(f"unexpected stream event ({type(e).__name__}: {e})") from e


async def assemble(events: Any, sink: StreamSink) -> ModelReply:
    """Reads a Messages stream's events (the API's JSON, as dicts) into the reply, passing text and thinking on."""
    blocks: list[dict[str, Any]] = []
    # each open block's deltas, joined when it stops: `+=` on a dict's string copies it every time, which made
    # an 80 KB answer cost 3 µs more per delta (bench/core.py)
    parts: dict[int, list[str]] = {}
    usage: dict[str, int] = {}
    stop_reason = None
    async for event in events:
        kind = event.get("type")
        if kind == "content_block_delta":
            delta = event["delta"]
            dk = delta["type"]
            if dk == "text_delta":
                parts[event["index"]].append(delta["text"])
                sink.on_text(delta["text"])
            elif dk == "input_json_delta":
                parts[event["index"]].append(delta["partial_json"])
            elif dk == "thinking_delta":
                parts[event["index"]].append(delta["thinking"])
                sink.on_thinking(delta["thinking"])
            elif dk == "signature_delta":
                blocks[event["index"]]["signature"] += delta["signature"]
        elif kind == "content_block_start":
            # what the API sent, less its null fields (the history sends blocks back; a null is not "absent")
            block = {k: v for k, v in event["content_block"].items() if v is not None}
            parts[event["index"]] = []
            if block["type"] == "tool_use":
                block["input"] = {}
            elif block["type"] == "thinking":
                block.setdefault("thinking", "")
                block.setdefault("signature", "")
            elif block["type"] == "text":
                block.pop("citations", None)
            blocks.append(block)
        elif kind == "content_block_stop":
            _join(blocks[event["index"]], parts.pop(event["index"], []))
        elif kind == "message_start":
            usage = _counts(event["message"].get("usage"))
        elif kind == "message_delta":
            stop_reason = (event.get("delta") or {}).get("stop_reason")
            usage.update(_counts(event.get("usage")))
    for index, pieces in parts.items():  # a block the stream never closed: keep its text (a tool input stays {})
        if blocks[index]["type"] != "tool_use":
            _join(blocks[index], pieces)
    return ModelReply(content=blocks, stop_reason=stop_reason, usage=usage)


def _join(block: dict[str, Any], pieces: list[str]) -> None:
    """Put a block's deltas into it: text, thinking, or the tool input's JSON."""
    if block["type"] == "tool_use":
        raw = "".join(pieces)
        block["input"] = _decode_json(raw) if raw else {}
    elif block["type"] in ("text", "thinking") and pieces:
        block[block["type"]] = block.get(block["type"], "") + "".join(pieces)


def _counts(usage: Any) -> dict[str, int]:
    """The token counts of a usage object (its nested objects and nulls left out)."""
    if not isinstance(usage, dict):
        return {}
    return {k: v for k, v in usage.items() if isinstance(v, int) and not isinstance(v, bool)}


class SinkFailed(RuntimeError):
    """The receiver of the stream raised, not the stream: never retried, never reported as a stream problem."""


class _Emitted:
    """Wraps a sink to remember whether anything reached the user (then a retry would repeat it), and to keep its
    failures apart from a malformed stream's (both could be a KeyError)."""

    def __init__(self, sink: StreamSink) -> None:
        self._sink = sink
        self.any = False

    def on_text(self, text: str) -> None:
        self.any = True
        try:
            self._sink.on_text(text)
        except Exception as e:
            raise SinkFailed(f"the stream's receiver failed: {e!r}") from e

    def on_thinking(self, text: str) -> None:
        self.any = True
        try:
            self._sink.on_thinking(text)
        except Exception as e:
            raise SinkFailed(f"the stream's receiver failed: {e!r}") from e


def _retryable(e: Any) -> bool:
    if e.status_code in _RETRYABLE_STATUS:
        return True
    # an `event: error` inside a stream arrives as status 200 with the error type in the body
    body = e.body if isinstance(getattr(e, "body", None), dict) else {}
    kind = (body.get("error") or {}).get("type") if isinstance(body.get("error"), dict) else body.get("type")
    return kind in ("overloaded_error", "api_error", "rate_limit_error")


def _retry_after(e: Any) -> float | None:
    try:
        value = e.response.headers.get("retry-after")
        return float(value) if value is not None else None
    except (AttributeError, ValueError):
        return None


def _status_reason(e: Any) -> str:
    message = getattr(e, "message", "") or str(e)
    names = {429: "rate limited", 529: "the API is overloaded", 401: "the API key was refused"}
    return f"{names.get(e.status_code, f'HTTP {e.status_code}')}: {message}"
