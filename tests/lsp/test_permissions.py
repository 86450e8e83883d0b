"""Permissions and modes over the LSP door: Bash asks, plan mode withholds tools, ExitPlanMode switches."""

from __future__ import annotations

import asyncio
import json

import pytest

from tandem.agent.fake_api import Reply, Text, ToolUse

from .harness import allow, reject


def _tool_names(request) -> set[str]:
    return {t["name"] for t in request.body.get("tools", [])}


async def test_bash_runs_when_allowed(tandem, fake_api, workspace):
    tandem.permission_answers.append(allow(feedback="fine"))
    fake_api.enqueue(Reply(blocks=[ToolUse("Bash", {"command": "echo hello-from-bash > out.txt && cat out.txt"})]),
                     Reply.text("Ran it."))
    sid = await tandem.new_session(workspace)
    assert (await tandem.prompt(sid, "run it"))["stopReason"] == "end_turn"
    [request] = tandem.permission_requests
    assert request["sessionId"] == sid
    assert request["toolCall"]["kind"] == "execute"
    assert {o["kind"] for o in request["options"]} >= {"allow_once", "allow_always", "reject_once"}
    assert (workspace / "out.txt").read_text() == "hello-from-bash\n"
    result = fake_api.requests[1].body["messages"][-1]["content"][0]
    assert "hello-from-bash" in json.dumps(result["content"])
    call = next(iter(tandem.tool_calls(sid).values()))
    assert call["status"] == "completed" and call["kind"] == "execute"


async def test_bash_rejected_runs_nothing_and_model_is_told(tandem, fake_api, workspace):
    tandem.permission_answers.append(reject(feedback="not now"))
    fake_api.enqueue(Reply(blocks=[ToolUse("Bash", {"command": "touch should-not-exist"})]), Reply.text("OK."))
    sid = await tandem.new_session(workspace)
    await tandem.prompt(sid, "run it")
    assert not (workspace / "should-not-exist").exists()
    result = fake_api.requests[1].body["messages"][-1]["content"][0]
    assert result.get("is_error") is True
    assert "not now" in json.dumps(result["content"])
    assert next(iter(tandem.tool_calls(sid).values()))["status"] == "failed"


async def test_allow_always_is_remembered_for_the_same_command(tandem, fake_api, workspace):
    tandem.permission_answers.append(allow("allow_always"))
    fake_api.enqueue(Reply(blocks=[ToolUse("Bash", {"command": "echo once"})]),
                     Reply(blocks=[ToolUse("Bash", {"command": "echo once"})]), Reply.text("done"))
    sid = await tandem.new_session(workspace)
    await tandem.prompt(sid, "twice")
    assert len(tandem.permission_requests) == 1
    assert [c["status"] for c in tandem.tool_calls(sid).values()] == ["completed", "completed"]


async def test_plan_mode_withholds_write_and_execute_tools(tandem, fake_api, workspace):
    sid = await tandem.new_session(workspace)
    await tandem.request("session/set_mode", {"sessionId": sid, "modeId": "plan"})
    assert tandem.of(sid, "current_mode_update")[-1]["currentModeId"] == "plan"
    fake_api.enqueue(Reply(blocks=[ToolUse("Bash", {"command": "touch hacked"})]), Reply.text("Plan: ..."))
    await tandem.prompt(sid, "plan it")
    offered = _tool_names(fake_api.requests[0])
    assert {"Read", "Grep", "Glob", "ExitPlanMode"} <= offered
    assert not offered & {"Bash", "Edit", "Write"}
    system = json.dumps(fake_api.requests[0].body["system"])
    assert "Plan mode is on" in system
    assert not (workspace / "hacked").exists()
    assert not tandem.permission_requests
    result = fake_api.requests[1].body["messages"][-1]["content"][0]
    assert result["is_error"] and "plan mode" in json.dumps(result["content"])


async def test_exit_plan_mode_asks_switch_mode_and_switches(tandem, fake_api, workspace):
    sid = await tandem.new_session(workspace)
    await tandem.request("session/set_mode", {"sessionId": sid, "modeId": "plan"})
    tandem.permission_answers.append(allow())
    fake_api.enqueue(Reply(blocks=[Text("Here is the plan."), ToolUse("ExitPlanMode", {"plan": "1. do it"})]),
                     Reply.text("Starting."))
    await tandem.prompt(sid, "plan then go")
    [request] = tandem.permission_requests
    assert request["toolCall"]["kind"] == "switch_mode"
    assert tandem.of(sid, "current_mode_update")[-1]["currentModeId"] == "default"
    assert "Bash" in _tool_names(fake_api.requests[1])


async def test_edit_permission_carries_an_acp_diff(tandem, fake_api, workspace):
    path = workspace / "src" / "app.py"
    tandem.permission_answers.append(allow())
    fake_api.enqueue(Reply(blocks=[ToolUse("Read", {"file_path": str(path)})]),
                     Reply(blocks=[ToolUse("Edit", {"file_path": str(path), "old_string": "Hello", "new_string": "Hi"})]),
                     Reply.text("Edited."))
    sid = await tandem.new_session(workspace)
    await tandem.prompt(sid, "say hi")
    [request] = tandem.permission_requests
    [diff] = request["toolCall"]["content"]
    assert diff["type"] == "diff" and diff["path"] == str(path)
    assert "Hello" in diff["oldText"] and "Hi" in diff["newText"]
    assert "return f'Hi, {name}!'" in path.read_text()


@pytest.mark.parametrize("late", ["result", "cancelled"])
async def test_a_late_answer_to_a_withdrawn_permission_request_is_quiet(tandem, fake_api, workspace, capfd, late):
    """session/cancel withdraws the pending prompt ($/cancelRequest); the client's answer may still come (the user
    clicked first, or the client answers -32800): expected, so the server logs no warning and no traceback."""
    tandem.permission_hold = asyncio.Event()
    tandem.permission_answers.append(allow())
    withdrawn: list = []
    if late == "result":  # a client that ignores $/cancelRequest and answers when the user clicks
        tandem.client.protocol._handle_cancel_notification = withdrawn.append
    fake_api.enqueue(Reply(blocks=[ToolUse("Bash", {"command": "touch never-run"})]))
    sid = await tandem.new_session(workspace)
    prompt = asyncio.ensure_future(tandem.prompt(sid, "run it"))
    await tandem.wait_for(lambda: tandem.permission_requests)
    tandem.notify("session/cancel", {"sessionId": sid})
    assert (await prompt) == {"stopReason": "cancelled"}
    if late == "result":
        await tandem.wait_for(lambda: withdrawn)
        tandem.permission_hold.set()  # the answer goes out now, after the server withdrew the request
    await asyncio.sleep(0.3)
    assert (await tandem.request("_tandem/info", {}))["version"]  # read after the late answer: it was handled
    await tandem.stop()
    await asyncio.sleep(0.1)
    err = capfd.readouterr().err
    assert "unknown message id" not in err and "Traceback" not in err, err
    assert not (workspace / "never-run").exists()
