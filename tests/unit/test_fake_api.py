"""The fake Anthropic Messages API, driven by the real anthropic SDK (sync and async) over loopback."""

from __future__ import annotations

import asyncio
import http.client
import json
import subprocess
import sys
import threading
import time
import urllib.request

import anthropic
import httpx2
import pytest

from tandem.agent.fake_api import FakeAnthropic, Fault, Reply, Text, Thinking, ToolUse, item_from_json

MODEL = "claude-test"
USER = [{"role": "user", "content": "hi"}]


@pytest.fixture
def fake():
    with FakeAnthropic() as server:
        yield server


@pytest.fixture
async def aclient(fake):
    async with anthropic.AsyncAnthropic(base_url=fake.base_url, api_key="test-key", max_retries=0, timeout=5) as sdk:
        yield sdk  # with_options() copies share its connection pool, closed here


@pytest.fixture
def client(fake):
    with anthropic.Anthropic(base_url=fake.base_url, api_key="test-key", max_retries=0, timeout=5) as sdk:
        yield sdk


def raw_post(base_url: str, path: str, body: object, headers: dict[str, str] | None = None, chunked=False):
    """POST with http.client: returns (status, headers, body bytes)."""
    host, port = base_url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    data = json.dumps(body).encode()
    conn.request("POST", path, body=iter([data[:10], data[10:]]) if chunked else data,
                 headers=headers or {}, encode_chunked=chunked)
    response = conn.getresponse()
    result = response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    conn.close()
    return result


# ---- streams, as the SDK sees them --------------------------------------------------------------------------------


async def test_streamed_text_raw_events(fake, aclient):
    fake.enqueue(Reply.text("Hello, streaming world!", chunk=5))
    stream = await aclient.messages.create(model=MODEL, max_tokens=100, messages=USER, stream=True)
    events = [event async for event in stream]
    types = [e.type for e in events]
    assert types[:2] == ["message_start", "content_block_start"]
    assert types[-3:] == ["content_block_stop", "message_delta", "message_stop"]
    deltas = [e.delta.text for e in events if e.type == "content_block_delta"]
    assert deltas == ["Hello", ", str", "eamin", "g wor", "ld!"]
    start = events[0].message
    assert start.id.startswith("msg_") and start.model == MODEL and start.content == [] and start.stop_reason is None
    assert start.usage.cache_creation_input_tokens == 0 and start.usage.cache_read_input_tokens == 0
    assert start.usage.input_tokens > 0
    assert events[-2].delta.stop_reason == "end_turn" and events[-2].usage.output_tokens > 0


def test_sse_wire_format_and_ping(fake):
    fake.enqueue(Reply.text("hi"))
    status, headers, body = raw_post(fake.base_url, "/v1/messages", {"model": MODEL, "max_tokens": 5, "messages": USER,
                                     "stream": True}, {"x-api-key": "k", "anthropic-version": "2023-06-01"})
    assert status == 200 and headers["content-type"].startswith("text/event-stream")
    assert headers["request-id"].startswith("req_")
    frames = body.decode().split("\n\n")
    assert frames[-1] == ""
    names = [frame.split("\n")[0] for frame in frames[:-1]]
    assert names == ["event: message_start", "event: content_block_start", "event: ping", "event: content_block_delta",
                     "event: content_block_stop", "event: message_delta", "event: message_stop"]
    for frame in frames[:-1]:
        event, data = frame.split("\n")
        assert json.loads(data.removeprefix("data: "))["type"] == event.removeprefix("event: ")


async def test_stream_helper_final_message(fake, aclient):
    fake.enqueue(Reply.text("The whole answer.", usage={"output_tokens": 42}))
    async with aclient.messages.stream(model=MODEL, max_tokens=100, messages=USER) as stream:
        message = await stream.get_final_message()
    assert message.content[0].text == "The whole answer."
    assert message.stop_reason == "end_turn" and message.usage.output_tokens == 42


async def test_thinking_with_signature(fake, aclient):
    fake.enqueue(Reply(blocks=[Thinking("First, consider the question carefully."), Text("42")]))
    stream = await aclient.messages.create(model=MODEL, max_tokens=100, messages=USER, stream=True)
    deltas = [e.delta for e in [e async for e in stream] if e.type == "content_block_delta"]
    kinds = [d.type for d in deltas]
    assert kinds.index("signature_delta") == kinds.count("thinking_delta") > 1
    fake.enqueue(Reply(blocks=[Thinking("hmm", signature="sig-1"), Text("42")]))
    async with aclient.messages.stream(model=MODEL, max_tokens=100, messages=USER) as stream:
        message = await stream.get_final_message()
    assert [b.type for b in message.content] == ["thinking", "text"]
    assert message.content[0].thinking == "hmm" and message.content[0].signature == "sig-1"


def test_tool_input_from_odd_fragments(fake, client):
    tool_input = {"file_path": "/src/ünïcode \"quoted\".py", "offset": 10, "nested": {"list": [1, 2.5, None, True]}}
    fake.enqueue(Reply(blocks=[Text("Reading."), ToolUse("Read", tool_input, id="toolu_fixed")]))
    events = list(client.messages.create(model=MODEL, max_tokens=100, messages=USER, stream=True))
    starts = [e.content_block for e in events if e.type == "content_block_start"]
    assert starts[1].type == "tool_use" and starts[1].id == "toolu_fixed" and starts[1].input == {}
    fragments = [e.delta.partial_json for e in events if e.type == "content_block_delta" and e.index == 1]
    assert fragments[0] == "" and len(fragments) > 5 and len({len(f) for f in fragments}) > 3
    assert json.loads("".join(fragments)) == tool_input
    assert [e for e in events if e.type == "message_delta"][0].delta.stop_reason == "tool_use"


async def test_two_tool_uses_in_one_message(fake, aclient):
    fake.enqueue(Reply(blocks=[ToolUse("Read", {"file_path": "/a"}), ToolUse("Bash", {"command": "ls -la"})]))
    async with aclient.messages.stream(model=MODEL, max_tokens=100, messages=USER) as stream:
        message = await stream.get_final_message()
    assert message.stop_reason == "tool_use"
    assert [(b.name, b.input) for b in message.content] == [("Read", {"file_path": "/a"}), ("Bash", {"command": "ls -la"})]
    assert message.content[0].id != message.content[1].id


def test_non_streaming_message_and_count_tokens(fake, client):
    fake.enqueue(Reply(blocks=[Text("done")], stop_reason="max_tokens", model="claude-other"))
    message = client.messages.create(model=MODEL, max_tokens=100, messages=USER)
    assert message.content[0].text == "done" and message.stop_reason == "max_tokens"
    assert message.model == "claude-other"
    assert client.messages.count_tokens(model=MODEL, messages=USER).input_tokens > 0
    assert fake.pending == 0 and [r.served for r in fake.requests] == ["queue", "count_tokens"]


# ---- faults ------------------------------------------------------------------------------------------------------


async def test_429_with_retry_after_then_success(fake, aclient):
    fake.enqueue(Fault.status(429, retry_after=0.05), Reply.text("after the wait"))
    message = await aclient.with_options(max_retries=2).messages.create(model=MODEL, max_tokens=10, messages=USER)
    assert message.content[0].text == "after the wait"
    assert [r.headers["x-stainless-retry-count"] for r in fake.requests] == ["0", "1"]


async def test_429_error_type_and_headers(fake, aclient):
    fake.enqueue(Fault.status(429, retry_after=7))
    with pytest.raises(anthropic.RateLimitError) as caught:
        await aclient.messages.create(model=MODEL, max_tokens=10, messages=USER, stream=True)
    assert caught.value.response.headers["retry-after"] == "7"
    assert caught.value.response.headers["request-id"].startswith("req_")
    assert caught.value.body["error"]["type"] == "rate_limit_error"


@pytest.mark.parametrize(("status", "error_type", "exception"), [
    (529, "overloaded_error", anthropic.OverloadedError), (500, "api_error", anthropic.InternalServerError)])
async def test_server_errors(fake, aclient, status, error_type, exception):
    fake.enqueue(Fault.status(status))
    with pytest.raises(anthropic.APIStatusError) as caught:
        await aclient.messages.create(model=MODEL, max_tokens=10, messages=USER)
    assert isinstance(caught.value, exception) and caught.value.status_code == status
    assert caught.value.body == {"type": "error", "error": {"type": error_type, "message": caught.value.body["error"][
        "message"]}, "request_id": caught.value.request_id}


async def test_disconnect_mid_stream(fake, aclient):
    fake.enqueue(Fault.disconnect(after_events=4), Reply.text("next"))
    stream = await aclient.messages.create(model=MODEL, max_tokens=10, messages=USER, stream=True)
    seen = []
    with pytest.raises(httpx2.RemoteProtocolError):  # the SDK does not wrap errors raised while iterating
        async for event in stream:
            seen.append(event.type)
    assert seen == ["message_start", "content_block_start", "content_block_delta"]  # ping is swallowed by the SDK
    assert (await aclient.messages.create(model=MODEL, max_tokens=10, messages=USER)).content[0].text == "next"


async def test_disconnect_before_response_is_retried(fake, aclient):
    fake.enqueue(Fault.disconnect(), Reply.text("second try"))
    retrying = aclient.with_options(max_retries=1)
    assert (await retrying.messages.create(model=MODEL, max_tokens=10, messages=USER)).content[0].text == "second try"


def test_malformed_event_raises(fake, client):
    fake.enqueue(Fault.malformed(after_events=3))
    with pytest.raises(json.JSONDecodeError):
        for _ in client.messages.create(model=MODEL, max_tokens=10, messages=USER, stream=True):
            pass


def test_error_event_in_stream(fake, client):
    fake.enqueue(Fault.stream_error(after_events=3))
    with pytest.raises(anthropic.APIStatusError) as caught:
        for _ in client.messages.create(model=MODEL, max_tokens=10, messages=USER, stream=True):
            pass
    assert caught.value.body["error"]["type"] == "overloaded_error"


def test_hang_times_out(fake, client):
    fake.enqueue(Fault.hang())
    impatient = client.with_options(timeout=0.2)
    with pytest.raises(anthropic.APITimeoutError):
        impatient.messages.create(model=MODEL, max_tokens=10, messages=USER)


async def test_slow_stream_honours_delay(fake, aclient):
    fake.enqueue(Reply.text("abcd", chunk=1, delay=0.03))
    stream = await aclient.messages.create(model=MODEL, max_tokens=10, messages=USER, stream=True)
    arrivals = [time.monotonic() async for event in stream if event.type == "content_block_delta"]
    assert len(arrivals) == 4 and arrivals[-1] - arrivals[0] >= 3 * 0.03 * 0.8


async def test_client_cancelling_mid_stream_leaves_the_server_healthy(fake, aclient):
    fake.enqueue(Reply.text("x" * 50, chunk=1, delay=0.01))

    async def consume():
        stream = await aclient.messages.create(model=MODEL, max_tokens=10, messages=USER, stream=True)
        async for _ in stream:
            pass

    task = asyncio.create_task(consume())
    await asyncio.sleep(0.1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert (await aclient.messages.create(model=MODEL, max_tokens=10, messages=USER)).content[0].text == "OK"


def test_stop_with_a_hanging_request_open():
    fake = FakeAnthropic().start()
    fake.enqueue(Fault.hang())
    outcome = []

    def call():
        try:
            raw_post(fake.base_url, "/v1/messages", {"model": MODEL, "max_tokens": 5, "messages": USER},
                     {"x-api-key": "k", "anthropic-version": "1"})
        except http.client.RemoteDisconnected as exc:
            outcome.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    fake.wait_for_requests(1)
    started = time.monotonic()
    fake.stop()
    caller.join(timeout=5)
    assert time.monotonic() - started < 1 and not caller.is_alive() and len(outcome) == 1


# ---- auth, validation, recording ---------------------------------------------------------------------------------


def test_missing_api_key(fake, client):
    keyless = client.with_options(default_headers={"Authorization": anthropic.omit})  # the SDK's way to send no key
    with pytest.raises(anthropic.AuthenticationError) as caught:
        keyless.messages.create(model=MODEL, max_tokens=10, messages=USER)
    assert caught.value.body["type"] == "error" and caught.value.body["error"]["type"] == "authentication_error"
    status, _, body = raw_post(fake.base_url, "/v1/messages", {}, {"anthropic-version": "2023-06-01"})
    assert status == 401 and json.loads(body)["error"]["type"] == "authentication_error"


def test_required_key_and_x_api_key_header():
    with FakeAnthropic(api_key="right") as fake:
        with anthropic.Anthropic(base_url=fake.base_url, api_key="wrong", max_retries=0) as wrong:
            with pytest.raises(anthropic.AuthenticationError):
                wrong.messages.create(model=MODEL, max_tokens=10, messages=USER)
        status, _, body = raw_post(fake.base_url, "/v1/messages", {"model": MODEL, "max_tokens": 5, "messages": USER},
                                   {"x-api-key": "right", "anthropic-version": "2023-06-01"})
        assert status == 200 and json.loads(body)["content"] == [{"type": "text", "text": "OK"}]


def test_invalid_requests(fake):
    headers = {"x-api-key": "k", "anthropic-version": "2023-06-01"}
    status, _, body = raw_post(fake.base_url, "/v1/messages", {"model": MODEL, "messages": USER}, headers)
    assert status == 400 and json.loads(body)["error"] == {"type": "invalid_request_error",
                                                           "message": "max_tokens: Field required"}
    status, _, body = raw_post(fake.base_url, "/v1/nothing", {}, headers)
    assert status == 404 and json.loads(body)["error"]["type"] == "not_found_error"


def test_chunked_request_body_is_recorded(fake):
    body = {"model": MODEL, "max_tokens": 5, "messages": USER}
    status, _, _ = raw_post(fake.base_url, "/v1/messages", body, {"x-api-key": "k", "anthropic-version": "1"}, True)
    assert status == 200 and fake.requests[0].body == body and fake.requests[0].raw_size == len(json.dumps(body))


async def test_request_recording_and_keep_alive(fake, aclient):
    tools = [{"name": "Read", "description": "read a file", "input_schema": {"type": "object"}}]
    for _ in range(2):
        stream = await aclient.messages.create(model=MODEL, max_tokens=64, system="be brief", messages=USER,
                                               tools=tools, stream=True)
        [event async for event in stream]
    first, second = fake.requests
    assert (first.method, first.path, first.served) == ("POST", "/v1/messages", "default")
    assert first.body == {"model": MODEL, "max_tokens": 64, "system": "be brief", "messages": USER, "tools": tools,
                          "stream": True}
    assert first.headers["authorization"] == "Bearer test-key" and "anthropic-version" in first.headers
    assert first.raw_size == int(first.headers["content-length"]) and first.wire_size > first.raw_size
    assert first.connection == second.connection  # the SDK reused the keep-alive connection after a full stream
    assert fake.default_reply_count == 2


async def test_responder_and_wait_for_requests(fake, aclient, client):
    fake.responder = lambda body: Reply.text(f"{len(body['messages'])} messages")
    message = await aclient.messages.create(model=MODEL, max_tokens=10, messages=USER * 3)
    assert message.content[0].text == "3 messages" and fake.requests[0].served == "responder"
    threading.Timer(0.05, lambda: client.messages.create(model=MODEL, max_tokens=10, messages=USER)).start()
    assert len(await fake.wait_for_requests_async(2, timeout=5)) == 2
    with pytest.raises(TimeoutError):
        fake.wait_for_requests(3, timeout=0.05)


def test_script_items_round_trip():
    items = [Reply(blocks=[Thinking("t", "s"), Text("x"), ToolUse("Bash", {"command": "ls"}, id="toolu_1")],
                   stop_reason="tool_use", delay=0.1),
             Fault.status(429, retry_after=1), Fault.disconnect(3, reply=Reply.text("partial")), Fault.hang()]
    assert [item_from_json(json.loads(json.dumps(item.to_json()))) for item in items] == items
    assert item_from_json("hello") == Reply.text("hello")
    with pytest.raises(ValueError):
        item_from_json({"text": "a", "colour": "red"})


# ---- separate process --------------------------------------------------------------------------------------------


def control(base_url: str, path: str, body: object = None):
    """Call a /_fake/ control endpoint (POST when there is a body) and return its JSON."""
    data = None if body is None else json.dumps(body).encode()
    with urllib.request.urlopen(urllib.request.Request(base_url + path, data=data), timeout=5) as response:
        return json.load(response)


def test_subprocess_script_and_control_endpoint(tmp_path):
    script = tmp_path / "script.json"
    script.write_text(json.dumps([
        {"text": "from the script"},
        {"blocks": [{"type": "tool_use", "name": "Bash", "input": {"command": "pwd"}}]},
    ]))
    command = [sys.executable, "-m", "tandem.agent.fake_api", "--port", "0", "--script", str(script)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        try:
            base_url = json.loads(process.stdout.readline())["base_url"]
            with anthropic.Anthropic(base_url=base_url, api_key="k", max_retries=0, timeout=5) as sdk:
                create = lambda: sdk.messages.create(model=MODEL, max_tokens=10, messages=USER)  # noqa: E731
                assert create().content[0].text == "from the script"
                with sdk.messages.stream(model=MODEL, max_tokens=10, messages=USER) as stream:
                    assert stream.get_final_message().content[0].input == {"command": "pwd"}
                pushed = [Fault.status(529).to_json(), {"text": "pushed"}]
                assert control(base_url, "/_fake/enqueue", pushed) == {"queued": 2, "pending": 2}
                with pytest.raises(anthropic.OverloadedError):
                    create()
                assert create().content[0].text == "pushed"
            recorded = control(base_url, "/_fake/requests")
            assert [r["served"] for r in recorded] == ["queue"] * 4 and recorded[0]["body"]["messages"] == USER
            assert control(base_url, "/_fake/reset", {}) == {"ok": True}
            assert control(base_url, "/_fake/requests") == []
        finally:
            process.terminate()
        assert process.wait(timeout=5) == 0
