"""A scripted 500-turn session on one `tandem serve`: short answers, every fifth turn with a tool call. The fake API
refuses any request over its (small) context window, as the real one does, so the session only reaches the end if
compaction (TANDEM_COMPACT_AT_TOKENS) keeps the context in bounds. The server's memory must stay flat; the session,
loaded in a new server, continues from its compacted history."""

from __future__ import annotations

import json
import os

import pytest
from tandem.agent.fake_api import Reply

from .conftest import fast_start
from .long_session import COMPACT_AT, WINDOW, new_state, responder
from .rawclient import LspClient

TURNS = int(os.environ.get("TANDEM_LONG_TURNS", "500"))
WARM_TURNS = 60  # memory is measured from here: a compaction or two done, every code path taken
RSS_GROWTH_MIB = 20


@pytest.fixture
def long_env(rel_env):
    return fast_start({**rel_env, "TANDEM_COMPACT_AT_TOKENS": str(COMPACT_AT)})


def test_500_turns_with_compaction_and_flat_memory(long_env, fake_api, workspace, tmp_path):
    state = new_state(str(workspace / "README.md"))
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
