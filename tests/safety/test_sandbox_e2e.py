"""The safety layer end to end: "allow always" saved to settings.local.json, the outside-the-sandbox option, notices
for broken settings, and a server without a sandbox (every command asks, no bypassPermissions)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest
import pytest_asyncio
from pygls.exceptions import JsonRpcException

from tandem.agent.fake_api import Reply, ToolUse
from tandem.safety.sandbox import detect

from ..lsp.harness import TandemClient, allow
from .conftest import make_workspace, server_env

pytestmark = pytest.mark.asyncio(loop_scope="module")
needs_sandbox = pytest.mark.skipif(detect()[0] is None, reason="no sandbox here")


async def run(server, fake_api, ws: Path, *commands: str, answers=(), mode: str | None = None) -> list[dict]:
    server.permission_requests.clear()
    server.permission_answers[:] = list(answers)
    sid = await server.new_session(ws)
    if mode:
        await server.request("session/set_mode", {"sessionId": sid, "modeId": mode})
    fake_api.reset()
    fake_api.enqueue(*[Reply(blocks=[ToolUse("Bash", {"command": c})]) for c in commands], Reply.text("done"))
    await server.prompt(sid, "go")
    return [b for r in fake_api.requests[1:] for b in r.body["messages"][-1]["content"] if b["type"] == "tool_result"]


def notices(server, sid: str) -> list[str]:
    return [u["content"]["text"] for u in server.updates[sid] if u["sessionUpdate"] == "agent_message_chunk"
            and (u.get("_meta") or {}).get("tandem", {}).get("notice") == "safety"]


@needs_sandbox
async def test_info_reports_the_sandbox(server):
    info = await server.request("_tandem/info", {})
    assert info["sandbox"] == "bubblewrap"


@needs_sandbox
async def test_allow_always_is_saved_exactly_and_holds_in_new_sessions(server, fake_api, base):
    ws = make_workspace(base)
    local = ws / ".tandem" / "settings.local.json"
    [result] = await run(server, fake_api, ws, "echo persisted && echo twice", answers=[allow("allow_always")])
    [asked] = server.permission_requests
    assert [o["optionId"] for o in asked["options"]] == ["allow_once", "allow_always", "allow_unsandboxed",
                                                         "reject_once"]
    assert "persisted" in result["content"]
    assert json.loads(local.read_text()) == {"permissions": {"allow": ["Bash(echo persisted && echo twice)"]}}
    assert (ws / ".tandem" / ".gitignore").read_text() == "settings.local.json\n"
    # a new session reads it: the same command runs without a prompt, anything else still asks
    results = await run(server, fake_api, ws, "echo persisted && echo twice", "echo persisted")
    assert len(server.permission_requests) == 1
    assert server.permission_requests[0]["toolCall"]["title"] == "echo persisted"
    assert "persisted" in results[0]["content"] and results[1].get("is_error")


@needs_sandbox
async def test_only_the_user_can_run_a_command_outside_the_sandbox(server, fake_api, base):
    ws = make_workspace(base)
    target = base / "outside" / "made-outside-by-user-choice"
    try:
        [sandboxed] = await run(server, fake_api, ws, f"touch {target}", answers=[allow()])
        assert sandboxed.get("is_error") and not target.exists()
        [outside] = await run(server, fake_api, ws, f"touch {target}", answers=[allow("allow_unsandboxed")])
        assert not outside.get("is_error") and target.exists()
    finally:
        target.unlink(missing_ok=True)


@needs_sandbox
async def test_malformed_settings_are_shown_once_and_turn_allow_rules_off(server, fake_api, base):
    ws = make_workspace(base)
    (ws / ".tandem").mkdir()
    (ws / ".tandem" / "settings.local.json").write_text(json.dumps({"permissions": {"allow": ["Bash(echo:*)"]}}))
    bad = ws / ".tandem" / "settings.json"
    bad.write_text('{\n  "permissions": {\n    "deny": ["Bash(rm:*)"],\n  }\n}\n')
    await run(server, fake_api, ws, "echo hi")
    assert server.permission_requests, "an allow rule held although a settings file is broken"
    sid = server.permission_requests[0]["sessionId"]
    [notice] = notices(server, sid)
    assert f"{bad}:4:" in notice and "not valid JSON" in notice
    await run(server, fake_api, ws, "echo again")  # the same error is not shown twice on this connection
    assert notices(server, server.permission_requests[0]["sessionId"]) == []


# ---- a server whose commands cannot be sandboxed -----------------------------------------------------------


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def unsandboxed(base, fake_api):
    client = TandemClient(server_env(base, fake_api, TANDEM_BWRAP="none"))
    await client.start()
    yield client
    await client.stop()


async def test_without_sandbox_info_modes_and_notice(unsandboxed, base):
    assert (await unsandboxed.request("_tandem/info", {})).get("sandbox", "none") == "none"  # the default
    ws = make_workspace(base)
    created = await unsandboxed.request("session/new", {"cwd": str(ws), "mcpServers": []})
    assert "bypassPermissions" not in {m["id"] for m in created["modes"]["availableModes"]}
    [mode_option] = [o for o in created["configOptions"] if o["id"] == "mode"]
    assert "bypassPermissions" not in {o["value"] for o in mode_option["options"]}
    with pytest.raises(JsonRpcException) as error:
        await unsandboxed.request("session/set_mode", {"sessionId": created["sessionId"],
                                                       "modeId": "bypassPermissions"})
    assert error.value.code == -32602 and "bubblewrap" in str(error.value)
    with pytest.raises(JsonRpcException) as error:
        await unsandboxed.request("session/set_config_option", {"sessionId": created["sessionId"],
                                                                "configId": "mode", "value": "bypassPermissions"})
    assert error.value.code == -32602
    await unsandboxed.wait_for(lambda: notices(unsandboxed, created["sessionId"]))
    [notice] = notices(unsandboxed, created["sessionId"])
    assert "not sandboxed" in notice


async def test_without_sandbox_every_command_asks_even_when_a_rule_allows_it(unsandboxed, fake_api, base):
    ws = make_workspace(base)
    (ws / ".tandem").mkdir()
    (ws / ".tandem" / "settings.json").write_text(json.dumps({"permissions": {"allow": ["Bash(echo:*)"]}}))
    [result] = await run(unsandboxed, fake_api, ws, "echo unsandboxed", mode="acceptEdits")
    [asked] = unsandboxed.permission_requests
    assert [o["optionId"] for o in asked["options"]] == ["allow_once", "reject_once"]
    assert result.get("is_error")


async def test_headless_without_sandbox_refuses_commands(base, fake_api):
    ws = make_workspace(base)
    fake_api.reset()
    fake_api.enqueue(Reply(blocks=[ToolUse("Bash", {"command": "touch made"})]), Reply.text("no"))
    env = server_env(base, fake_api, TANDEM_BWRAP="none")
    out = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "tandem", "ask", "go", "--allow", "Bash(touch made)", "--mode",
                         "bypassPermissions"], cwd=ws, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert not (ws / "made").exists()
    assert "not sandboxed" in out.stdout + out.stderr
