"""Sessions survive a crash: kill -9 the server, start a new one, load the session and go on."""

from __future__ import annotations

import asyncio
import json
import os
import signal

from tandem.agent.fake_api import Reply, ToolUse

from .harness import TandemClient


async def _kill(client: TandemClient) -> None:
    os.kill(client.client._server.pid, signal.SIGKILL)
    await asyncio.sleep(0.1)
    try:
        await client.client.stop()
    except Exception:
        pass


async def test_kill_9_then_load_replays_and_continues(server_env, fake_api, workspace):
    first = await TandemClient(server_env).start(root=workspace)
    fake_api.enqueue(Reply(blocks=[ToolUse("Read", {"file_path": str(workspace / "README.md")})]),
                     Reply.text("The project is a demo."))
    sid = await first.new_session(workspace)
    await first.prompt(sid, "What is this project?")
    shown = [u for u in first.updates[sid]]
    await _kill(first)

    second = await TandemClient(server_env).start(root=workspace)
    try:
        listed = await second.request("session/list", {"cwd": str(workspace)})
        assert sid in {s["sessionId"] for s in listed["sessions"]}
        result = await second.request("session/load", {"sessionId": sid, "cwd": str(workspace), "mcpServers": []})
        assert result["modes"]["currentModeId"] == "default"
        replayed = second.updates[sid]
        assert second.text(sid, "user_message_chunk") == "What is this project?"
        assert second.text(sid) == "The project is a demo."
        live = ("user_message_chunk", "available_commands_update")  # the commands are advertised, not stored
        kinds = [u["sessionUpdate"] for u in replayed if u["sessionUpdate"] not in live]
        assert kinds == [u["sessionUpdate"] for u in shown if u["sessionUpdate"] not in live]

        fake_api.enqueue(Reply.text("Yes, still here."))
        assert (await second.prompt(sid, "And now?"))["stopReason"] == "end_turn"
        messages = fake_api.requests[-1].body["messages"]
        assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant", "user"]
        assert "What is this project?" in json.dumps(messages[0])
        assert "# Demo project" in json.dumps(messages[2])
    finally:
        await second.stop()


async def test_kill_9_mid_turn_keeps_what_was_shown_and_heals_history(server_env, fake_api, workspace):
    first = await TandemClient(server_env).start(root=workspace)
    first.permission_hold = asyncio.Event()  # the Bash permission prompt is never answered
    fake_api.enqueue(Reply.text("Partial answer before the crash. "),)
    fake_api.enqueue(Reply(blocks=[ToolUse("Bash", {"command": "echo hi"})]))
    sid = await first.new_session(workspace)
    await first.prompt(sid, "first")
    asyncio.ensure_future(first.prompt(sid, "second"))
    await first.wait_for(lambda: first.permission_requests)
    await asyncio.sleep(0.1)
    await _kill(first)

    second = await TandemClient(server_env).start(root=workspace)
    try:
        await second.request("session/load", {"sessionId": sid, "cwd": str(workspace), "mcpServers": []})
        calls = second.tool_calls(sid)
        assert [c["status"] for c in calls.values()] == ["failed"]  # the open tool call is closed, not left hanging
        fake_api.enqueue(Reply.text("Recovered."))
        await second.prompt(sid, "third")
        messages = fake_api.requests[-1].body["messages"]
        roles = [m["role"] for m in messages]
        assert roles == ["user", "assistant", "user", "assistant", "user"]  # tool_use answered, prompts merged
        assert "The server stopped before this tool call finished" in json.dumps(messages[-1])
    finally:
        await second.stop()


async def test_resume_does_not_replay(server_env, fake_api, workspace):
    first = await TandemClient(server_env).start(root=workspace)
    sid = await first.new_session(workspace)
    await first.prompt(sid, "hello")
    await first.stop()
    second = await TandemClient(server_env).start(root=workspace)
    try:
        await second.request("session/resume", {"sessionId": sid, "cwd": str(workspace), "mcpServers": []})
        replayed = [u for u in second.updates[sid] if u["sessionUpdate"] != "available_commands_update"]
        assert replayed == []  # resume replays no history (the slash commands are advertised, not replayed)
        await second.prompt(sid, "again")
        assert len(fake_api.requests[-1].body["messages"]) == 3
    finally:
        await second.stop()
