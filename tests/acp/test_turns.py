"""A whole ACP session through the official SDK: handshake, streamed turns, tool calls, the client's files."""

from __future__ import annotations

import json

import pytest
from acp import text_block

from tandem.agent.fake_api import Reply, Text, Thinking, ToolUse

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_initialize_is_honest(acp):
    caps = acp.init.agent_capabilities
    assert acp.init.protocol_version == 1
    assert caps.load_session is True
    assert caps.prompt_capabilities.image and caps.prompt_capabilities.embedded_context
    assert not caps.prompt_capabilities.audio
    session = caps.session_capabilities
    assert session.list is not None and session.resume is not None and session.close is not None
    assert acp.init.agent_info.name == "tandem"


async def test_new_session_offers_modes_config_and_commands(acp, workspace):
    created = await acp.conn.new_session(cwd=str(workspace))
    assert created.modes.current_mode_id == "default"
    assert {m.id for m in created.modes.available_modes} == {"default", "acceptEdits", "plan", "bypassPermissions"}
    assert {o.id for o in created.config_options} == {"mode", "model", "effort", "max_tokens"}
    commands = await acp.wait_for(lambda: acp.updates(created.session_id, "available_commands_update"))
    assert {c["name"] for c in commands[0]["availableCommands"]} == {"init", "review", "plan", "compact", "retry"}


async def test_turn_streams_chunks_and_tool_calls(acp, fake_api, workspace):
    fake_api.enqueue(
        Reply(blocks=[Thinking("Look for greet."), Text("Searching."),
                      ToolUse("Grep", {"pattern": "def greet", "output_mode": "content", "-n": True})]),
        Reply(blocks=[ToolUse("Read", {"file_path": str(workspace / "src" / "app.py")})]),
        Reply.text("`greet` is in src/app.py:1.", chunk=3),
    )
    sid = (await acp.conn.new_session(cwd=str(workspace))).session_id
    result = await acp.conn.prompt(session_id=sid, prompt=[text_block("Where is greet?")])
    assert result.stop_reason == "end_turn"

    assert acp.text(sid) == "Searching.`greet` is in src/app.py:1."
    assert "Look for greet." in acp.text(sid, "agent_thought_chunk")
    assert all(c.get("messageId") for c in acp.updates(sid, "agent_message_chunk"))
    calls = list(acp.tool_calls(sid).values())
    assert [(c["kind"], c["status"]) for c in calls] == [("search", "completed"), ("read", "completed")]
    assert calls[1]["locations"][0]["path"] == str(workspace / "src" / "app.py")
    assert acp.updates(sid, "usage_update")
    # what the model received back
    assert "def greet(name):" in json.dumps(fake_api.requests[1].body["messages"][-1]["content"])
    assert "Hello, {name}!" in json.dumps(fake_api.requests[2].body["messages"][-1]["content"])


async def test_agent_reads_the_clients_unsaved_buffer(acp, fake_api, workspace):
    path = str(workspace / "src" / "app.py")
    acp.buffers[path] = "UNSAVED = True\n"
    fake_api.enqueue(Reply(blocks=[ToolUse("Read", {"file_path": path})]), Reply.text("done"))
    sid = (await acp.conn.new_session(cwd=str(workspace))).session_id
    await acp.conn.prompt(session_id=sid, prompt=[text_block("read app.py")])

    assert path in acp.reads
    [read] = [m for m in acp.requests_in("fs/read_text_file") if m["params"]["sessionId"] == sid]
    assert read["params"] == {"sessionId": sid, "path": path}
    seen = json.dumps(fake_api.requests[1].body["messages"][-1]["content"])
    assert "UNSAVED = True" in seen and "def greet" not in seen


async def test_files_missing_here_are_not_asked_of_the_client(acp, fake_api, workspace):
    path = str(workspace / "nope.py")
    fake_api.enqueue(Reply(blocks=[ToolUse("Read", {"file_path": path})]), Reply.text("ok"))
    sid = (await acp.conn.new_session(cwd=str(workspace))).session_id
    await acp.conn.prompt(session_id=sid, prompt=[text_block("read nope.py")])
    assert path not in acp.reads
    assert "does not exist" in json.dumps(fake_api.requests[1].body["messages"][-1]["content"])


async def test_slash_command_expands_and_plan_switches_mode(acp, fake_api, workspace):
    fake_api.enqueue(Reply.text("Here is the plan."))
    sid = (await acp.conn.new_session(cwd=str(workspace))).session_id
    result = await acp.conn.prompt(session_id=sid, prompt=[text_block("/plan rename greet to hello")])
    assert result.stop_reason == "end_turn"
    assert [u["currentModeId"] for u in acp.updates(sid, "current_mode_update")] == ["plan"]
    body = fake_api.requests[0].body
    assert body["messages"][-1]["content"][0]["text"] == "rename greet to hello"
    assert "ExitPlanMode" in {t["name"] for t in body["tools"]}
    assert "Edit" not in {t["name"] for t in body["tools"]}


async def test_mode_and_config_changes(acp, workspace):
    sid = (await acp.conn.new_session(cwd=str(workspace))).session_id
    await acp.conn.set_session_mode(session_id=sid, mode_id="acceptEdits")
    updated = await acp.conn.set_config_option(session_id=sid, config_id="effort", value="high")
    assert {o.id: o.current_value for o in updated.config_options}["effort"] == "high"
    await acp.wait_for(lambda: acp.updates(sid, "config_option_update"))
    assert [u["currentModeId"] for u in acp.updates(sid, "current_mode_update")] == ["acceptEdits"]


async def test_bash_runs_in_the_clients_terminal(acp, fake_api, workspace):
    fake_api.enqueue(Reply(blocks=[ToolUse("Bash", {"command": "echo from-the-terminal; exit 3"})]),
                     Reply.text("ran it"))
    sid = (await acp.conn.new_session(cwd=str(workspace))).session_id
    acp.permission_answers = ["allow_once"]
    await acp.conn.prompt(session_id=sid, prompt=[text_block("run it")])

    [create] = [m for m in acp.requests_in("terminal/create") if m["params"]["sessionId"] == sid]
    assert create["params"]["cwd"] == str(workspace)
    terminal_id = next(t for t in acp.terminals)
    [call] = acp.tool_calls(sid).values()
    assert call["kind"] == "execute" and call["status"] == "failed"  # exit code 3
    assert call["content"] == [{"type": "terminal", "terminalId": terminal_id}]
    result = json.dumps(fake_api.requests[1].body["messages"][-1]["content"])
    assert "from-the-terminal" in result and "Exit code 3" in result
    await acp.wait_for(lambda: acp.terminals[terminal_id].released)
