"""A turn end to end: streamed text, tools, the results the model received, usage and the stop reason."""

from __future__ import annotations

import json

from tandem.agent.fake_api import Reply, Text, Thinking, ToolUse


async def test_initialize_carries_acp_handshake(tandem):
    acp = tandem.init_result.capabilities.experimental["acp"]
    assert acp["protocolVersion"] == 1
    assert acp["agentCapabilities"]["loadSession"] is True
    assert set(acp["agentCapabilities"]["sessionCapabilities"]) == {"list", "resume", "close", "delete"}


async def test_multi_tool_turn_streams_and_feeds_results_back(tandem, fake_api, workspace):
    fake_api.enqueue(
        Reply(blocks=[Thinking("Let me look for greet."), Text("Searching."),
                      ToolUse("Grep", {"pattern": "def greet", "output_mode": "content", "-n": True})]),
        Reply(blocks=[ToolUse("Read", {"file_path": str(workspace / "src" / "app.py")})]),
        Reply.text("`greet` is defined in src/app.py:1 and returns a greeting.", chunk=3),
    )
    sid = await tandem.new_session(workspace)
    result = await tandem.prompt(sid, "Where is greet defined?")
    assert result == {"stopReason": "end_turn"}

    assert tandem.text(sid) == "Searching.`greet` is defined in src/app.py:1 and returns a greeting."
    assert "Let me look for greet." in tandem.text(sid, "agent_thought_chunk")
    chunks = tandem.of(sid, "agent_message_chunk")
    assert all(c.get("messageId") for c in chunks)
    assert len({c["messageId"] for c in chunks}) == 2  # two assistant messages carried text

    calls = list(tandem.tool_calls(sid).values())
    assert [c["kind"] for c in calls] == ["search", "read"]
    assert all(c["status"] == "completed" for c in calls)
    assert tandem.of(sid, "usage_update"), "usage after each model call"

    # what the model received back: the grep hit, then the file's text
    requests = fake_api.requests
    assert len(requests) == 3
    second = requests[1].body["messages"]
    grep_result = second[-1]["content"][0]
    assert grep_result["type"] == "tool_result"
    assert "def greet(name):" in json.dumps(grep_result["content"])
    third = requests[2].body["messages"]
    assert "return f'Hello, {name}!'" in json.dumps(third[-1]["content"])
    # tools and system are marked for caching, and so is the newest message
    assert requests[0].body["tools"][-1]["cache_control"] == {"type": "ephemeral"}
    assert third[-1]["content"][-1]["cache_control"] == {"type": "ephemeral"}


async def test_agent_reads_unsaved_buffer_text(tandem, fake_api, workspace):
    from lsprotocol import types

    path = workspace / "src" / "app.py"
    tandem.client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=path.as_uri(), language_id="python", version=1, text="UNSAVED = True\n")))
    fake_api.enqueue(Reply(blocks=[ToolUse("Read", {"file_path": str(path)})]), Reply.text("done"))
    sid = await tandem.new_session(workspace)
    await tandem.prompt(sid, "read app.py")
    tool_result = fake_api.requests[1].body["messages"][-1]["content"][0]
    assert "UNSAVED = True" in json.dumps(tool_result["content"])
    assert "def greet" not in json.dumps(tool_result["content"])


async def test_project_memory_reaches_the_system_prompt(server_env, fake_api, workspace):
    from .harness import TandemClient

    (workspace / "AGENTS.md").write_text("Always answer in haiku.\n")
    (workspace / "CLAUDE.md").write_text("Use tabs.\n")
    user_dir = workspace.parent / "config" / "tandem"
    user_dir.mkdir(parents=True)
    (user_dir / "AGENTS.md").write_text("The user prefers short answers.\n")
    client = await TandemClient(server_env).start(root=workspace)
    try:
        sid = await client.new_session(workspace)
        await client.prompt(sid, "hi")
    finally:
        await client.stop()
    system = json.dumps(fake_api.requests[0].body["system"])
    assert "Always answer in haiku." in system and "Use tabs." in system and "short answers" in system
    assert fake_api.requests[0].body["system"][0]["cache_control"] == {"type": "ephemeral"}
