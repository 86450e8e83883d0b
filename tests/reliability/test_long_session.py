"""A scripted 500-turn session on one `tandem serve`: short answers, every fifth turn with a tool call. The fake API
refuses any request over its (small) context window, as the real one does, so the session only reaches the end if
compaction (TANDEM_COMPACT_AT_TOKENS) keeps the context in bounds. The server's memory must stay flat; the session,
loaded in a new server, continues from its compacted history."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

from tandem.agent.fake_api import Fault, Reply, ToolUse

from .conftest import fast_start
from .rawclient import LspClient

TURNS = int(os.environ.get("TANDEM_LONG_TURNS", "500"))
COMPACT_AT = 6_000  # tokens: the fake's estimate is request bytes / 4; a bare request is about 2,000
WINDOW = 12_000  # the fake refuses requests above this, like a real context window
WARM_TURNS = 60  # memory is measured from here: a compaction or two done, every code path taken
RSS_GROWTH_MIB = 20
ANSWER = ("Turn {n}: I looked at it. The function greet builds the greeting; nothing else depends on it, so the "
          "change is local. Next I would run the tests and check the README mentions the new name. ")


def responder(state: dict[str, Any]):
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


@pytest.fixture
def long_env(rel_env):
    return fast_start({**rel_env, "TANDEM_COMPACT_AT_TOKENS": str(COMPACT_AT)})


def test_500_turns_with_compaction_and_flat_memory(long_env, fake_api, workspace, tmp_path):
    state = {"turn": 0, "summaries": 0, "too_long": 0, "largest": 0, "readme": str(workspace / "README.md")}
    fake_api.responder = responder(state)
    client = LspClient(long_env, workspace, tmp_path / "stderr.log")
    try:
        client.initialize(workspace)
        sid = client.result("session/new", {"cwd": str(workspace), "mcpServers": []})["sessionId"]
        rss: list[float] = []
        for n in range(1, TURNS + 1):
            state["turn"] = n
            prompt = {"sessionId": sid, "prompt": [{"type": "text", "text": f"Step {n}: carry on with the rename."}]}
            assert client.result("session/prompt", prompt, timeout=60)["stopReason"] == "end_turn", n
            if n % 20 == 0:
                with client.cond:  # keep the client's own memory flat too
                    client.notifications = client.notifications[-200:] if n < TURNS else client.notifications
                rss.append(client.rss_mib())
        errors = [m for m in client.notifications if "error" in json.dumps(m.get("params", {}).get("update", {})
                                                                           .get("_meta", {}))]
        growth = max(rss[WARM_TURNS // 20:]) - rss[WARM_TURNS // 20 - 1]
        print(f"\n{TURNS} turns: {state['summaries']} compactions, largest request {state['largest']} tokens, "
              f"RSS {rss[WARM_TURNS // 20 - 1]:.1f} -> max {max(rss[WARM_TURNS // 20:]):.1f} MiB "
              f"(growth {growth:.1f} MiB); samples {' '.join(f'{r:.0f}' for r in rss)}")
        assert state["too_long"] == 0 and not errors
        assert state["summaries"] >= TURNS // 60
        assert state["largest"] <= WINDOW
        assert growth <= RSS_GROWTH_MIB
    finally:
        assert client.shutdown() == 0

    # a new server loads the session and carries on from the compacted history
    fake_api.responder = None
    fake_api.enqueue(Reply.text("Still here."))
    again = LspClient(long_env, workspace)
    try:
        again.initialize(workspace)
        again.result("session/load", {"sessionId": sid, "cwd": str(workspace), "mcpServers": []}, timeout=60)
        prompt = {"sessionId": sid, "prompt": [{"type": "text", "text": "And after the restart?"}]}
        assert again.result("session/prompt", prompt)["stopReason"] == "end_turn"
        messages = fake_api.requests[-1].body["messages"]
        assert messages[0]["content"][0]["text"].startswith("[Summary of the earlier conversation")
        assert len(json.dumps(messages)) // 4 < COMPACT_AT
    finally:
        assert again.shutdown() == 0
