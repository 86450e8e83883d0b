"""Twenty sessions streaming at once on one `tandem serve`: each gets its own answer, whole and in order, and
nothing of any other (no cross-talk between sessions, message ids, or usage)."""

from __future__ import annotations

import json
import time
from typing import Any

from tandem.agent.fake_api import Reply

from .rawclient import LspClient

SESSIONS = 20
WORDS = 400  # per answer, streamed 6 characters a delta, 1 ms apart: the streams overlap for about a second


def text_for(i: int) -> str:
    return "".join(f"s{i:02d}w{w:03d} " for w in range(WORDS))


def responder(body: dict[str, Any]) -> Reply:
    prompt = body["messages"][-1]["content"][0]["text"]  # "stream NN"
    return Reply.text(text_for(int(prompt.split()[1])), chunk=6, delay=0.001)


def test_twenty_sessions_stream_at_once_without_cross_talk(rel_env, fake_api, workspace, tmp_path):
    fake_api.responder = responder
    client = LspClient(rel_env, workspace, tmp_path / "stderr.log")
    try:
        client.initialize(workspace)
        sids = [client.result("session/new", {"cwd": str(workspace), "mcpServers": []})["sessionId"]
                for _ in range(SESSIONS)]
        ids = []
        started = time.monotonic()
        for i, sid in enumerate(sids):  # all twenty prompts go out before any answer comes back
            msg_id = client.next_id()
            ids.append(msg_id)
            client.send({"jsonrpc": "2.0", "id": msg_id, "method": "session/prompt",
                         "params": {"sessionId": sid, "prompt": [{"type": "text", "text": f"stream {i:02d}"}]}})
        results = [client.wait_response(msg_id, timeout=60) for msg_id in ids]
        took = time.monotonic() - started
        assert [r["result"]["stopReason"] for r in results] == ["end_turn"] * SESSIONS

        by_session: dict[str, list[dict[str, Any]]] = {sid: [] for sid in sids}
        for note in client.notifications:
            if note["method"] == "session/update":
                assert note["params"]["sessionId"] in by_session
                by_session[note["params"]["sessionId"]].append(note["params"]["update"])
        overlap = _overlapping_streams(client.notifications, sids)
        for i, sid in enumerate(sids):
            chunks = [u for u in by_session[sid] if u["sessionUpdate"] == "agent_message_chunk"]
            text = "".join(c["content"]["text"] for c in chunks)
            assert text == text_for(i), f"session {i}: {len(text)} characters, or someone else's"
            assert len({c["messageId"] for c in chunks}) == 1
            others = [f"s{j:02d}w" for j in range(SESSIONS) if j != i]
            assert not any(o in json.dumps(by_session[sid]) for o in others)
            assert len([u for u in by_session[sid] if u["sessionUpdate"] == "usage_update"]) == 1
        message_ids = [next(u["messageId"] for u in by_session[sid] if u["sessionUpdate"] == "agent_message_chunk")
                       for sid in sids]
        assert len(set(message_ids)) == SESSIONS
        print(f"\n{SESSIONS} sessions streamed {SESSIONS * WORDS * 9:,} characters in {took:.2f} s; "
              f"up to {overlap} streams interleaved")
        assert overlap >= SESSIONS // 2  # they really ran at once
    finally:
        assert client.shutdown() == 0


def _overlapping_streams(notifications: list[dict[str, Any]], sids: list[str]) -> int:
    """The most sessions whose answers were streaming at the same moment (first to last chunk)."""
    spans: dict[str, list[int]] = {}
    for index, note in enumerate(notifications):
        params = note.get("params") or {}
        if note["method"] == "session/update" and params.get("update", {}).get("sessionUpdate") == \
                "agent_message_chunk":
            spans.setdefault(params["sessionId"], [index, index])[1] = index
    events = sorted([(a, 1) for a, _ in spans.values()] + [(b, -1) for _, b in spans.values()])
    live = best = 0
    for _, delta in events:
        live += delta
        best = max(best, live)
    return best
