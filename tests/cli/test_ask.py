"""`tandem ask` against the fake model: streamed text, stream-json, refusals without a prompt, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

from tandem.agent.fake_api import Reply, ToolUse


def run_ask(env, cwd, *args, timeout=30):
    return subprocess.run([sys.executable, "-m", "tandem", "ask", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_version():
    out = subprocess.run([sys.executable, "-m", "tandem", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("tandem ")


def test_ask_streams_the_answer(server_env, fake_api, workspace):
    fake_api.enqueue(Reply(blocks=[ToolUse("Read", {"file_path": "README.md"})]),
                     Reply.text("It is a demo project.", chunk=3))
    out = run_ask(server_env, workspace, "What is this?")
    assert out.returncode == 0, out.stderr
    assert out.stdout == "It is a demo project.\n"
    assert "Read" in out.stderr
    assert "# Demo project" in json.dumps(fake_api.requests[1].body["messages"][-1])


def test_stream_json_prints_one_update_per_line(server_env, fake_api, workspace):
    fake_api.enqueue(Reply.text("Hello there", chunk=2))
    out = run_ask(server_env, workspace, "hi", "--output", "stream-json")
    assert out.returncode == 0, out.stderr
    *lines, result = [json.loads(line) for line in out.stdout.splitlines()]
    assert all("sessionId" in line and "sessionUpdate" in line["update"] for line in lines)
    assert result == {"type": "result", "sessionId": lines[0]["sessionId"], "stopReason": "end_turn", "isError": False}
    text = "".join(u["update"]["content"]["text"] for u in lines
                   if u["update"]["sessionUpdate"] == "agent_message_chunk")
    assert text == "Hello there"


def test_command_needing_permission_is_refused_with_a_hint(server_env, fake_api, workspace):
    fake_api.enqueue(Reply(blocks=[ToolUse("Bash", {"command": "touch made-by-bash"})]), Reply.text("I could not."))
    out = run_ask(server_env, workspace, "make a file")
    assert out.returncode == 0
    assert not (workspace / "made-by-bash").exists()
    result = json.dumps(fake_api.requests[1].body["messages"][-1])
    assert "--allow" in result


def test_allow_rule_permits_exactly_that_command(server_env, fake_api, workspace):
    fake_api.enqueue(Reply(blocks=[ToolUse("Bash", {"command": "touch made-by-bash"})]),
                     Reply(blocks=[ToolUse("Bash", {"command": "touch other-file"})]), Reply.text("done"))
    out = run_ask(server_env, workspace, "make files", "--allow", "Bash(touch made-by-bash)")
    assert out.returncode == 0, out.stderr
    assert (workspace / "made-by-bash").exists()
    assert not (workspace / "other-file").exists()


def test_accept_edits_mode_applies_edits(server_env, fake_api, workspace):
    path = workspace / "src" / "app.py"
    fake_api.enqueue(Reply(blocks=[ToolUse("Read", {"file_path": str(path)})]),
                     Reply(blocks=[ToolUse("Edit", {"file_path": str(path), "old_string": "Hello",
                                                    "new_string": "Howdy"})]), Reply.text("done"))
    out = run_ask(server_env, workspace, "edit", "--mode", "acceptEdits")
    assert out.returncode == 0, out.stderr
    assert "Howdy" in path.read_text()


def test_missing_api_key_is_a_clear_error(server_env, workspace):
    env = {k: v for k, v in server_env.items() if k != "ANTHROPIC_API_KEY"}
    out = run_ask(env, workspace, "hi")
    assert out.returncode == 2
    assert "ANTHROPIC_API_KEY" in out.stderr


def test_model_failure_exits_non_zero(server_env, fake_api, workspace):
    from tandem.agent.fake_api import Fault

    fake_api.enqueue(Fault.status(401))
    out = run_ask(server_env, workspace, "hi")
    assert out.returncode == 1
    assert "Error" in out.stdout


def test_bad_rule_is_a_usage_error(server_env, workspace):
    out = run_ask(server_env, workspace, "hi", "--allow", "not a rule(")
    assert out.returncode == 2 and "permission rule" in out.stderr


async def test_tandem_ask_s_service_starts_no_disk_watcher(workspace, xdg):
    from tandem.service import AgentService

    for watch in (False, True):  # `tandem ask` builds it with watch_disk=False: it has no reviewer to keep in step
        service = AgentService(object(), watch_disk=watch)  # type: ignore[arg-type]  (no channel use here)
        service.workspace(str(workspace))
        assert len(service._watchers) == int(watch)
        await service.shutdown()
