"""Model faults: bounded retries with a notice, a clear error when giving up, the session always goes on."""

from __future__ import annotations

import time

import pytest

from tandem.agent.fake_api import Fault, Reply


@pytest.fixture
def server_env(server_env):
    return {**server_env, "TANDEM_RETRY_MAX_DELAY": "0.2", "TANDEM_RETRY_BUDGET": "3"}


@pytest.mark.parametrize("fault", [Fault.status(429, retry_after=0.05), Fault.status(529, retry_after=0.05), Fault.status(500, retry_after=0.05),
                                   Fault.stream_error(after_events=1), Fault.disconnect(after_events=1),
                                   Fault.malformed(after_events=1)], ids=lambda f: f"{f.kind}-{f.status_code}")
async def test_transient_fault_is_retried(tandem, fake_api, workspace, fault):
    fake_api.enqueue(fault, Reply.text("Recovered answer."))
    sid = await tandem.new_session(workspace)
    assert (await tandem.prompt(sid, "hi"))["stopReason"] == "end_turn"
    assert "Recovered answer." in tandem.text(sid)
    assert "Retrying" in tandem.text(sid)  # the user saw a notice while we waited
    assert len(fake_api.requests) == 2


async def test_huge_retry_after_is_capped(tandem, fake_api, workspace):
    fake_api.enqueue(Fault.status(429, retry_after=100), Reply.text("ok"))
    sid = await tandem.new_session(workspace)
    started = time.monotonic()
    await tandem.prompt(sid, "hi")
    assert time.monotonic() - started < 5


async def test_persistent_fault_ends_the_turn_with_a_clear_message(tandem, fake_api, workspace):
    fake_api.enqueue(*[Fault.status(529, retry_after=0.05) for _ in range(4)])
    sid = await tandem.new_session(workspace)
    assert (await tandem.prompt(sid, "hi"))["stopReason"] == "end_turn"
    assert "overloaded" in tandem.text(sid)
    assert "**Error:**" in tandem.text(sid)
    fake_api.enqueue(Reply.text("Back."))
    await tandem.prompt(sid, "again")
    assert tandem.text(sid).endswith("Back.")
    roles = [m["role"] for m in fake_api.requests[-1].body["messages"]]
    assert roles == ["user"]  # nothing reached the user from the failed turn; the prompts are merged


async def test_disconnect_after_text_was_shown_is_not_retried(tandem, fake_api, workspace):
    fake_api.enqueue(Fault.disconnect(after_events=6, reply=Reply.text("Some words that were shown", chunk=4)),
                     Reply.text("Next turn."))
    sid = await tandem.new_session(workspace)
    await tandem.prompt(sid, "hi")
    assert "**Error:**" in tandem.text(sid)
    await tandem.prompt(sid, "again")
    messages = fake_api.requests[-1].body["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]
    assert "[interrupted]" in str(messages[1]["content"])


async def test_missing_api_key_is_a_clear_message(server_env, workspace):
    from .harness import TandemClient

    env = {k: v for k, v in server_env.items() if k != "ANTHROPIC_API_KEY"}
    client = await TandemClient(env).start(root=workspace)
    try:
        sid = await client.new_session(workspace)
        assert (await client.prompt(sid, "hi"))["stopReason"] == "end_turn"
        assert "ANTHROPIC_API_KEY" in client.text(sid)
    finally:
        await client.stop()
