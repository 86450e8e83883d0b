"""Stored sessions over ACP (list, load replaying history, resume, close, delete); a client without fs or terminal."""

from __future__ import annotations

import json
from contextlib import asynccontextmanager

import pytest
from acp import text_block

from tandem.agent.fake_api import Reply, ToolUse

from .harness import AcpHarness

pytestmark = pytest.mark.asyncio(loop_scope="module")


@asynccontextmanager
async def another_client(env, **caps):
    """A second `tandem acp` process on the same state directory, as after an editor restart."""
    harness = await AcpHarness(env, **caps).start()
    try:
        yield harness
    finally:
        code = await harness.stop()
        harness.validate()
        assert code == 0


async def test_list_and_load_replay_history_in_a_new_process(acp, acp_env, fake_api, workspace):
    fake_api.enqueue(Reply.text("The answer is 42."))
    sid = (await acp.conn.new_session(cwd=str(workspace))).session_id
    await acp.conn.prompt(session_id=sid, prompt=[text_block("What is the answer?")])

    async with another_client(acp_env) as again:
        listed = await again.conn.list_sessions(cwd=str(workspace))
        assert sid in [s.session_id for s in listed.sessions]
        assert [s.title for s in listed.sessions if s.session_id == sid] == ["What is the answer?"]

        loaded = await again.conn.load_session(cwd=str(workspace), session_id=sid)
        assert loaded.modes.current_mode_id == "default"
        # the history arrived as session/update before the answer to session/load
        answer_at = next(i for i, (d, m) in enumerate(again.wire) if d == "in" and "result" in m
                         and m["id"] == next(o["id"] for dd, o in again.wire if o.get("method") == "session/load"))
        replayed = [m["params"]["update"] for d, m in again.wire[:answer_at] if m.get("method") == "session/update"]
        assert replayed[0] == {"sessionUpdate": "user_message_chunk", "messageId": replayed[0]["messageId"],
                               "content": {"type": "text", "text": "What is the answer?"}}
        assert "".join(u["content"]["text"] for u in replayed
                       if u["sessionUpdate"] == "agent_message_chunk") == "The answer is 42."

        fake_api.enqueue(Reply.text("Still 42."))
        await again.conn.prompt(session_id=sid, prompt=[text_block("Sure?")])
        history = fake_api.requests[-1].body["messages"]
        assert [m["role"] for m in history] == ["user", "assistant", "user"]
        assert "The answer is 42." in json.dumps(history[1])


async def test_resume_close_and_delete(acp, workspace):
    sid = (await acp.conn.new_session(cwd=str(workspace))).session_id
    resumed = await acp.conn.resume_session(cwd=str(workspace), session_id=sid)
    assert resumed.modes.current_mode_id == "default"
    await acp.conn.close_session(session_id=sid)
    deleted = await acp.conn._conn.send_request("session/delete", {"sessionId": sid})
    assert deleted == {}
    listed = await acp.conn.list_sessions(cwd=str(workspace))
    assert sid not in [s.session_id for s in listed.sessions]


async def test_without_client_fs_or_terminal_the_agent_uses_local_files_and_bash(acp_env, fake_api, workspace):
    path = workspace / "src" / "app.py"
    fake_api.enqueue(
        Reply(blocks=[ToolUse("Read", {"file_path": str(path)})]),
        Reply(blocks=[ToolUse("Edit", {"file_path": str(path), "old_string": "Hello", "new_string": "Hi"})]),
        Reply(blocks=[ToolUse("Bash", {"command": "grep -c Hi src/app.py"})]),
        Reply.text("done"))
    async with another_client(acp_env, fs=False, terminal=False) as plain:
        plain.permission_answers = ["allow_once", "allow_once"]
        sid = (await plain.conn.new_session(cwd=str(workspace))).session_id
        await plain.conn.prompt(session_id=sid, prompt=[text_block("edit and check")])
        assert not plain.requests_in("fs/read_text_file") and not plain.requests_in("terminal/create")
        assert "Hi, {name}" in path.read_text()  # written on disk by the agent itself
        assert "1" in json.dumps(fake_api.requests[3].body["messages"][-1]["content"])
