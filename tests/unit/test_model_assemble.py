"""`assemble` reads the API's stream events (JSON as dicts) into the reply the agent loop keeps and sends back."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tandem.agent.model import AnthropicModel, ModelRequest, SinkFailed, _Emitted, assemble


class Sink:
    def __init__(self) -> None:
        self.text: list[str] = []
        self.thinking: list[str] = []

    def on_text(self, text: str) -> None:
        self.text.append(text)

    def on_thinking(self, text: str) -> None:
        self.thinking.append(text)

    def on_retry(self, attempt: int, delay: float, reason: str) -> None:
        pass


async def _events(events: list[Any]):
    for event in events:
        yield event


def _assemble(events: list[Any], sink: Sink | None = None):
    return asyncio.run(assemble(_events(events), sink or Sink()))


def _block(index: int, opening: dict[str, Any], *deltas: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"type": "content_block_start", "index": index, "content_block": opening},
            *({"type": "content_block_delta", "index": index, "delta": d} for d in deltas),
            {"type": "content_block_stop", "index": index}]


def test_blocks_keep_what_the_api_sent_less_null_fields_and_tool_inputs_keep_theirs() -> None:
    sink = Sink()
    reply = _assemble([
        {"type": "message_start", "message": {"id": "m", "usage": {"input_tokens": 9, "cache_read_input_tokens": None,
                                                                     "server_tool_use": {"web_search_requests": 0}}}},
        {"type": "ping"},
        *_block(0, {"type": "thinking", "thinking": "", "signature": ""},
                {"type": "thinking_delta", "thinking": "Let me "}, {"type": "thinking_delta", "thinking": "look."},
                {"type": "signature_delta", "signature": "sig"}),
        *_block(1, {"type": "text", "text": "", "citations": None, "an_unknown_field": {"x": 1}},
                {"type": "text_delta", "text": "Reading "}, {"type": "text_delta", "text": "it."}),
        *_block(2, {"type": "tool_use", "id": "toolu_1", "name": "Read", "input": {}, "caller": None},
                {"type": "input_json_delta", "partial_json": ""},
                {"type": "input_json_delta", "partial_json": '{"path": "a.py", "limit": nu'},
                {"type": "input_json_delta", "partial_json": 'll, "nested": {"a": [1, null]}}'}),
        {"type": "message_delta", "delta": {"stop_reason": "tool_use", "stop_sequence": None},
         "usage": {"output_tokens": 12, "input_tokens": None}},
        {"type": "message_stop"},
    ], sink)
    assert reply.content == [
        {"type": "thinking", "thinking": "Let me look.", "signature": "sig"},
        {"type": "text", "text": "Reading it.", "an_unknown_field": {"x": 1}},
        {"type": "tool_use", "id": "toolu_1", "name": "Read",
         "input": {"path": "a.py", "limit": None, "nested": {"a": [1, None]}}},
    ]
    assert reply.stop_reason == "tool_use"
    assert reply.usage == {"input_tokens": 9, "output_tokens": 12}
    assert sink.text == ["Reading ", "it."] and sink.thinking == ["Let me ", "look."]


def test_a_stream_cut_short_keeps_the_text_it_had_and_no_half_tool_input() -> None:
    events = [*_block(0, {"type": "text", "text": ""}, {"type": "text_delta", "text": "Half"})][:-1]
    events += _block(1, {"type": "tool_use", "id": "t", "name": "Read", "input": {}},
                     {"type": "input_json_delta", "partial_json": '{"pa'})[:-1]
    reply = _assemble(events)
    assert reply.content == [{"type": "text", "text": "Half"}, {"type": "tool_use", "id": "t", "name": "Read",
                                                                 "input": {}}]
    assert reply.stop_reason is None


class _Posting:
    def __init__(self, events: list[Any]) -> None:
        self.events = events

    async def post(self, *args: Any, **kwargs: Any):
        return _events(self.events)


def _model(events: list[Any]) -> tuple[AnthropicModel, ModelRequest]:
    model = AnthropicModel(api_key="k")
    model._client = _Posting(events)
    return model, ModelRequest(model="m", system=[], messages=[{"role": "user", "content": "hi"}], tools=[],
                               max_tokens=10)


def test_a_failing_receiver_is_not_taken_for_a_malformed_stream() -> None:
    class Broken(Sink):
        def on_text(self, text: str) -> None:
            raise KeyError("a bug in the receiver")

    model, request = _model(_block(0, {"type": "text", "text": ""}, {"type": "text_delta", "text": "x"}))
    with pytest.raises(SinkFailed) as caught:
        asyncio.run(model._stream_once(request, _Emitted(Broken())))
    assert isinstance(caught.value.__cause__, KeyError)


@pytest.mark.parametrize("event", [{"type": "content_block_delta", "index": 0},
                                   {"type": "content_block_delta", "index": 5, "delta": {"type": "text_delta",
                                                                                         "text": "x"}},
                                   "a string, not an event"])
def test_json_that_is_not_a_messages_event_is_a_value_error_the_retry_loop_knows(event: Any) -> None:
    model, request = _model([event])
    with pytest.raises(ValueError, match="unexpected stream event"):
        asyncio.run(model._stream_once(request, Sink()))
