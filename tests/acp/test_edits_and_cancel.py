"""Permissions with diffs, writes through the client, and cancellation (session/cancel and $/cancel_request)."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from acp import text_block

from tandem.agent.fake_api import Reply, ToolUse

pytestmark = pytest.mark.asyncio(loop_scope="module")
OLD = "    return f'Hello, {name}!'"
NEW = "    return f'Hi, {name}!'"


def edit_turn(fake_api, path: str) -> None:
    fake_api.enqueue(Reply(blocks=[ToolUse("Read", {"file_path": path})]),
                     Reply(blocks=[ToolUse("Edit", {"file_path": path, "old_string": OLD, "new_string": NEW})]),
                     Reply.text("done"))


async def test_allowed_edit_asks_with_a_diff_and_writes_through_the_client(acp, fake_api, workspace):
    path = str(workspace / "src" / "app.py")
    on_disk = (workspace / "src" / "app.py").read_text()
    edit_turn(fake_api, path)
    acp.permission_answers = ["allow_once"]
    sid = (await acp.conn.new_session(cwd=str(workspace))).session_id
    assert (await acp.conn.prompt(session_id=sid, prompt=[text_block("say hi")])).stop_reason == "end_turn"

    [ask] = [m for m in acp.requests_in("session/request_permission") if m["params"]["sessionId"] == sid]
    tool_call = ask["params"]["toolCall"]
    assert tool_call["kind"] == "edit"
    [diff] = tool_call["content"]
    assert diff["type"] == "diff" and diff["path"] == path
    assert diff["oldText"] == on_disk and diff["newText"] == on_disk.replace(OLD, NEW)
    assert {o["kind"] for o in ask["params"]["options"]} >= {"allow_once", "reject_once"}

    assert (path, on_disk.replace(OLD, NEW)) in acp.writes
    assert (workspace / "src" / "app.py").read_text() == on_disk  # the client wrote it, into its buffer
    edit = [c for c in acp.tool_calls(sid).values() if c["kind"] == "edit"][0]
    assert edit["status"] == "completed"
    assert "has been updated" in json.dumps(fake_api.requests[2].body["messages"][-1]["content"])


async def test_rejected_edit_writes_nothing_and_tells_the_model(acp, fake_api, workspace):
    path = str(workspace / "src" / "app.py")
    edit_turn(fake_api, path)
    acp.permission_answers = ["reject_once"]
    writes_before = len(acp.writes)
    sid = (await acp.conn.new_session(cwd=str(workspace))).session_id
    await acp.conn.prompt(session_id=sid, prompt=[text_block("say hi")])

    assert len(acp.writes) == writes_before
    edit = [c for c in acp.tool_calls(sid).values() if c["kind"] == "edit"][0]
    assert edit["status"] == "failed"
    assert "was not applied" in json.dumps(fake_api.requests[2].body["messages"][-1]["content"])


async def test_buffer_changed_during_approval_is_not_overwritten(acp, fake_api, workspace):
    path = str(workspace / "src" / "app.py")
    edit_turn(fake_api, path)
    acp.permission_answers = ["allow_once"]
    acp.permission_hold = asyncio.Event()
    sid = (await acp.conn.new_session(cwd=str(workspace))).session_id
    turn = asyncio.ensure_future(acp.conn.prompt(session_id=sid, prompt=[text_block("say hi")]))
    await acp.wait_for(lambda: [m for m in acp.requests_in("session/request_permission")
                                if m["params"]["sessionId"] == sid])
    typed = (workspace / "src" / "app.py").read_text() + "# the user typed this meanwhile\n"
    acp.buffers[path] = typed
    writes_before = len(acp.writes)
    acp.permission_hold.set()
    acp.permission_hold = None
    await asyncio.wait_for(turn, 10)

    assert len(acp.writes) == writes_before and acp.buffers[path] == typed
    told = json.dumps(fake_api.requests[2].body["messages"][-1]["content"])
    assert "changed in the editor" in told


async def test_session_cancel_mid_stream_answers_cancelled_quickly(acp, fake_api, workspace):
    fake_api.enqueue(Reply.text("word " * 400, chunk=5, delay=0.05))
    sid = (await acp.conn.new_session(cwd=str(workspace))).session_id
    turn = asyncio.ensure_future(acp.conn.prompt(session_id=sid, prompt=[text_block("talk")]))
    await acp.wait_for(lambda: acp.updates(sid, "agent_message_chunk"))
    started = time.monotonic()
    await acp.conn.cancel(session_id=sid)
    result = await asyncio.wait_for(turn, 5)
    assert result.stop_reason == "cancelled"
    assert time.monotonic() - started < 1.0
    assert len(acp.text(sid)) < len("word " * 400)


async def test_cancel_while_asking_withdraws_the_permission_request(acp, fake_api, workspace):
    path = str(workspace / "src" / "app.py")
    edit_turn(fake_api, path)
    acp.permission_hold = asyncio.Event()  # the user never answers
    sid = (await acp.conn.new_session(cwd=str(workspace))).session_id
    turn = asyncio.ensure_future(acp.conn.prompt(session_id=sid, prompt=[text_block("say hi")]))
    asks = await acp.wait_for(lambda: [m for m in acp.requests_in("session/request_permission")
                                       if m["params"]["sessionId"] == sid])
    await acp.conn.cancel(session_id=sid)
    assert (await asyncio.wait_for(turn, 5)).stop_reason == "cancelled"
    withdrawn = await acp.wait_for(lambda: acp.requests_in("$/cancel_request"))
    assert withdrawn[-1]["params"] == {"requestId": asks[0]["id"]}
    acp.permission_hold.set()  # the late answer is ignored
    acp.permission_hold = None


async def test_cancel_request_on_a_prompt_ends_the_turn(acp, fake_api, workspace):
    fake_api.enqueue(Reply.text("word " * 400, chunk=5, delay=0.05))
    sid = (await acp.conn.new_session(cwd=str(workspace))).session_id
    turn = asyncio.ensure_future(acp.conn.prompt(session_id=sid, prompt=[text_block("talk")]))
    await acp.wait_for(lambda: acp.updates(sid, "agent_message_chunk"))
    [prompt] = [m for d, m in acp.wire if d == "out" and m.get("method") == "session/prompt"
                and m["params"]["sessionId"] == sid]
    await acp.conn._conn.send_notification("$/cancel_request", {"requestId": prompt["id"]})
    assert (await asyncio.wait_for(turn, 5)).stop_reason == "cancelled"
