"""The scripted long session's model, shared by tests/reliability/test_long_session.py and bench/reliability.py."""

from __future__ import annotations

import json
from typing import Any

from tandem.agent.fake_api import Fault, Reply, ToolUse

COMPACT_AT = 6_000  # tokens: the fake's estimate is request bytes / 4; a bare request is about 2,000
WINDOW = 12_000  # the fake refuses requests above this, like a real context window
ANSWER = ("Turn {n}: I looked at it. The function greet builds the greeting; nothing else depends on it, so the "
          "change is local. Next I would run the tests and check the README mentions the new name. ")


def new_state(readme: str) -> dict[str, Any]:
    """What the responder counts: the turn (set by the driver), summaries, refusals, the largest request."""
    return {"turn": 0, "summaries": 0, "too_long": 0, "largest": 0, "readme": readme}


def responder(state: dict[str, Any]):
    """Short answers, a Read of the README every fifth turn, summaries for compaction, and a refusal (as the API
    gives it) for any request over WINDOW."""
    def answer(body: dict[str, Any]) -> Any:
        size = len(json.dumps(body)) // 4
        state["largest"] = max(state["largest"], size)
        if size > WINDOW:
            state["too_long"] += 1
            return Fault.status(400, error_type="invalid_request_error",
                                message=f"prompt is too long: {size} tokens > {WINDOW} maximum")
        system = body["system"][0]["text"] if body.get("system") else ""
        if system.startswith("You summarise"):
            state["summaries"] += 1
            return Reply.text(f"Summary {state['summaries']}: the user is renaming greet; tests next.")
        last = body["messages"][-1]["content"]
        if last and last[0].get("type") == "tool_result":
            return Reply.text("Read it. " + ANSWER.format(n=state["turn"]), chunk=64)
        if state["turn"] % 5 == 0:
            return Reply(blocks=[ToolUse("Read", {"file_path": state["readme"]})], chunk=64)
        return Reply.text(ANSWER.format(n=state["turn"]), chunk=64)

    return answer
