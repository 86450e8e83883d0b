"""`plain()` gives what `model_dump(exclude_none=True)` gives for the models the SDK builds from stream events."""

from __future__ import annotations

import pytest

from tandem.agent.model import plain
from tandem.agent.sdk_import import import_sdk

EVENTS = [
    {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": "", "citations": None}},
    {"type": "content_block_start", "index": 0,
     "content_block": {"type": "tool_use", "id": "toolu_1", "name": "Read", "input": {}, "caller": None}},
    {"type": "content_block_start", "index": 0,
     "content_block": {"type": "thinking", "thinking": "", "signature": ""}},
    {"type": "content_block_start", "index": 0, "content_block": {"type": "redacted_thinking", "data": "abc"}},
    {"type": "content_block_start", "index": 0,
     "content_block": {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search",
                       "input": {"query": "q", "nested": {"a": [1, None, {"b": None}]}}}},
    {"type": "content_block_start", "index": 0,
     "content_block": {"type": "text", "text": "", "an_unknown_field": {"x": 1}}},
    {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
     "usage": {"output_tokens": 12, "input_tokens": None, "cache_creation_input_tokens": 3,
               "server_tool_use": {"web_search_requests": 1}}},
]


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: e.get("content_block", e.get("delta", {})).get("type", "delta"))
def test_plain_matches_model_dump_without_nones(event: dict) -> None:
    anthropic = import_sdk()
    from anthropic._models import construct_type
    from anthropic.types.raw_message_stream_event import RawMessageStreamEvent

    built = construct_type(type_=RawMessageStreamEvent, value=event)  # what the SDK's stream yields
    part = built.content_block if event["type"] == "content_block_start" else built.usage
    assert isinstance(part, anthropic.BaseModel)
    assert plain(part) == part.model_dump(exclude_none=True)
