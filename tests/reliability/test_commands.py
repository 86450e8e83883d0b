"""Slash commands in the core, over the LSP door: advertised after session/new and session/load, /compact (and the
automatic compaction before the context window fills), /retry after a failed turn; all of it survives a restart."""

from __future__ import annotations

import json

from tandem.agent.fake_api import Fault, Reply, ToolUse
from tandem.sessions.compaction import ACK, SUMMARY_PREFIX

from .conftest import TandemClient

NAMES = {"init", "review", "plan", "compact", "retry"}


def notices(client: TandemClient, sid: str, kind: str) -> list[dict]:
    return [u for u in client.of(sid, "agent_message_chunk")
            if (u.get("_meta") or {}).get("tandem", {}).get("notice") == kind]


def answer_text(client: TandemClient, sid: str) -> str:
    """The agent's words, without Tandem's notices (retries, compaction, errors)."""
    return "".join(u["content"].get("text", "") for u in client.of(sid, "agent_message_chunk")
                   if "tandem" not in (u.get("_meta") or {}))


def roles(request) -> list[str]:
    return [m["role"] for m in request.body["messages"]]


async def test_commands_are_advertised_after_new_and_load(lsp, rel_env, workspace):
    sid = await lsp.new_session(workspace)
    [update] = await lsp.wait_for(lambda: lsp.of(sid, "available_commands_update"))
    commands = {c["name"]: c for c in update["availableCommands"]}
    assert set(commands) == NAMES
    assert commands["compact"]["input"]["hint"] and "input" not in commands["retry"]

    other = await TandemClient(rel_env).start(root=workspace)
    try:
        await other.request("session/load", {"sessionId": sid, "cwd": str(workspace), "mcpServers": []})
        [update] = await other.wait_for(lambda: other.of(sid, "available_commands_update"))
        assert {c["name"] for c in update["availableCommands"]} == NAMES
        await other.request("session/resume", {"sessionId": sid, "cwd": str(workspace)})
        await other.wait_for(lambda: len(other.of(sid, "available_commands_update")) == 2)
    finally:
        await other.stop()


async def test_prompt_commands_expand_on_the_lsp_door(lsp, fake_api, workspace):
    fake_api.enqueue(Reply.text("planned"))
    sid = await lsp.new_session(workspace)
    await lsp.prompt(sid, "/plan rename greet")
    body = fake_api.requests[-1].body
    assert body["messages"][-1]["content"][0]["text"] == "rename greet"
    assert [u["currentModeId"] for u in lsp.of(sid, "current_mode_update")] == ["plan"]


async def test_compact_summarises_and_a_restart_continues_from_the_summary(lsp, fake_api, rel_env, workspace):
    fake_api.enqueue(Reply.text("First answer."), Reply.text("Second answer."))
    sid = await lsp.new_session(workspace)
    await lsp.prompt(sid, "Use tabs, never spaces. Rename greet to hello.")
    await lsp.prompt(sid, "Now update the README.")

    fake_api.enqueue(Reply.text("The user wants tabs; greet was renamed to hello; README next."))
    assert (await lsp.prompt(sid, "/compact the naming decisions"))["stopReason"] == "end_turn"
    summary_call = fake_api.requests[-1].body
    assert summary_call.get("tools") is None and "thinking" not in summary_call  # one plain model call
    asked = summary_call["messages"][0]["content"][0]["text"]
    assert "Use tabs, never spaces." in asked and "Second answer." in asked
    assert "Focus the summary on: the naming decisions" in asked
    [notice] = notices(lsp, sid, "compaction")
    info = notice["_meta"]["tandem"]
    assert info["trigger"] == "manual" and info["messagesBefore"] == 4 and info["messagesAfter"] == 2
    assert "README next." in info["summary"]
    assert answer_text(lsp, sid) == "First answer.Second answer."  # the summary is not shown as an answer

    fake_api.enqueue(Reply.text("Third answer."))
    await lsp.prompt(sid, "Anything else?")
    messages = fake_api.requests[-1].body["messages"]
    assert roles(fake_api.requests[-1]) == ["user", "assistant", "user"]
    assert messages[0]["content"][0]["text"].startswith(SUMMARY_PREFIX)
    assert "README next." in messages[0]["content"][0]["text"]
    assert messages[1]["content"][0]["text"] == ACK
    assert "Use tabs" not in json.dumps(messages[1:])

    await lsp.stop()
    again = await TandemClient(rel_env).start(root=workspace)
    try:
        await again.request("session/load", {"sessionId": sid, "cwd": str(workspace), "mcpServers": []})
        assert notices(again, sid, "compaction")  # replayed as the notice this client understands
        fake_api.enqueue(Reply.text("Fourth answer."))
        await again.prompt(sid, "And now?")
        messages = fake_api.requests[-1].body["messages"]
        assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant", "user"]
        assert messages[0]["content"][0]["text"].startswith(SUMMARY_PREFIX)
        assert "Third answer." in json.dumps(messages[3])
    finally:
        await again.stop()


async def test_compact_with_nothing_to_summarise_says_so(lsp, fake_api, workspace):
    sid = await lsp.new_session(workspace)
    assert (await lsp.prompt(sid, "/compact"))["stopReason"] == "end_turn"
    assert "Nothing to compact" in lsp.text(sid)
    assert fake_api.requests == []


async def test_context_filling_up_compacts_before_the_next_call(lsp, fake_api, workspace):
    """The default threshold: 80% of the model's window, read from the last usage."""
    fake_api.enqueue(Reply.text("Small."), Reply.text("Big.", usage={"input_tokens": 900_000}),
                     Reply.text("Summary of two turns."), Reply.text("After compaction."))
    sid = await lsp.new_session(workspace)
    await lsp.prompt(sid, "one")
    await lsp.prompt(sid, "two")
    assert not notices(lsp, sid, "compaction")
    await lsp.prompt(sid, "three")
    [notice] = notices(lsp, sid, "compaction")
    assert notice["_meta"]["tandem"]["trigger"] == "auto"
    assert notice["_meta"]["tandem"]["tokensBefore"] >= 900_000
    assert fake_api.requests[2].body["system"][0]["text"].startswith("You summarise")
    assert roles(fake_api.requests[3]) == ["user", "assistant", "user"]  # summary, ack, "three"
    assert fake_api.requests[3].body["messages"][2]["content"][0]["text"] == "three"
    usage = lsp.of(sid, "usage_update")
    assert usage[-1]["used"] < 900_000  # the context meter drops after the compaction


async def test_one_huge_turn_keeps_its_prompt_and_last_exchange(lsp, fake_api, workspace):
    readme = str(workspace / "README.md")
    fake_api.enqueue(Reply(blocks=[ToolUse("Read", {"file_path": readme})]),
                     Reply(blocks=[ToolUse("Glob", {"pattern": "*.md"})], usage={"input_tokens": 950_000}),
                     Reply.text("Summary: read README, globbed."), Reply.text("Done."))
    sid = await lsp.new_session(workspace)
    await lsp.prompt(sid, "Look around")
    final = fake_api.requests[-1].body["messages"]
    assert [m["role"] for m in final] == ["user", "assistant", "user", "assistant", "user"]
    assert final[2]["content"][0]["text"] == "Look around"
    assert final[3]["content"][0]["name"] == "Glob" and final[4]["content"][0]["type"] == "tool_result"
    assert answer_text(lsp, sid) == "Done."


async def test_clients_that_render_compaction_get_compaction_updates(rel_env, fake_api, workspace):
    client = TandemClient(rel_env)
    await client.start(root=workspace, init_options={"acp": {"protocolVersion": 1, "clientCapabilities": {
        "session": {"compaction": {}}}}})
    try:
        fake_api.enqueue(Reply.text("a"), Reply.text("b"), Reply.text("The summary."))
        sid = await client.new_session(workspace)
        await client.prompt(sid, "one")
        await client.prompt(sid, "two")
        await client.prompt(sid, "/compact")
        updates = client.of(sid, "compaction_update")
        assert [u["status"] for u in updates] == ["in_progress", "completed"]
        assert len({u["compactionId"] for u in updates}) == 1
        assert updates[1]["summary"] == [{"type": "text", "text": "The summary."}]
        assert not notices(client, sid, "compaction")
    finally:
        await client.stop()
    assert client.schema_errors == []


async def test_retry_runs_the_failed_prompt_again_without_duplicating_it(lsp, fake_api, rel_env, workspace):
    fake_api.enqueue(Reply.text("Earlier answer."))
    sid = await lsp.new_session(workspace)
    await lsp.prompt(sid, "earlier")
    fake_api.enqueue(*[Fault.status(529, retry_after=0.01) for _ in range(4)])
    await lsp.prompt(sid, "Fix the bug in app.py")
    assert "**Error:**" in lsp.text(sid)

    fake_api.enqueue(Reply.text("Fixed it."))
    assert (await lsp.prompt(sid, "/retry"))["stopReason"] == "end_turn"
    messages = fake_api.requests[-1].body["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]
    assert json.dumps(messages).count("Fix the bug in app.py") == 1
    assert "/retry" not in json.dumps(messages)
    assert lsp.text(sid).endswith("Fixed it.")

    await lsp.stop()
    again = await TandemClient(rel_env).start(root=workspace)
    try:
        await again.request("session/load", {"sessionId": sid, "cwd": str(workspace), "mcpServers": []})
        assert "/retry" in again.text(sid, "user_message_chunk")  # the replay shows what the user did
        fake_api.enqueue(Reply.text("Next."))
        await again.prompt(sid, "next")
        messages = fake_api.requests[-1].body["messages"]
        assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant", "user"]
        assert json.dumps(messages).count("Fix the bug in app.py") == 1
        assert "Fixed it." in json.dumps(messages[3])
    finally:
        await again.stop()


async def test_retry_drops_the_partial_answer_of_an_interrupted_turn(lsp, fake_api, workspace):
    fake_api.enqueue(Fault.disconnect(after_events=6, reply=Reply.text("Half of an answer that", chunk=4)))
    sid = await lsp.new_session(workspace)
    await lsp.prompt(sid, "explain")
    fake_api.enqueue(Reply.text("A whole answer."))
    await lsp.prompt(sid, "/retry")
    messages = fake_api.requests[-1].body["messages"]
    assert [m["role"] for m in messages] == ["user"]
    assert "interrupted" not in json.dumps(messages)


async def test_retry_with_nothing_to_retry(lsp, fake_api, workspace):
    sid = await lsp.new_session(workspace)
    assert (await lsp.prompt(sid, "/retry"))["stopReason"] == "end_turn"
    assert "no prompt to retry" in lsp.text(sid)
    assert fake_api.requests == []


async def test_a_command_while_a_turn_runs_is_refused(lsp, fake_api, workspace):
    import asyncio

    fake_api.enqueue(Reply.text("slow " * 50, chunk=5, delay=0.02))
    sid = await lsp.new_session(workspace)
    turn = asyncio.ensure_future(lsp.prompt(sid, "go"))
    await lsp.wait_for(lambda: lsp.text(sid))
    for command in ("/compact", "/retry"):
        try:
            await lsp.request("session/prompt", {"sessionId": sid, "prompt": [{"type": "text", "text": command}]})
        except Exception as e:  # an error response
            assert "already running" in str(e)
        else:
            raise AssertionError(f"{command} ran during a turn")
    assert (await turn)["stopReason"] == "end_turn"


def _after_answer(client, answer_id: str, sid: str) -> None:
    """available_commands_update comes after the answer that created or opened the session."""
    order = [m.get("id") if "id" in m else (m.get("params") or {}).get("update", {}).get("sessionUpdate")
             for m in client.sequence if "id" in m or (m.get("params") or {}).get("sessionId") == sid]
    assert "available_commands_update" in order[order.index(answer_id):], order


def test_both_doors_advertise_after_the_answer_and_run_compact(rel_env, fake_api, workspace):
    from .rawclient import AcpClient, LspClient

    for client in (LspClient(rel_env, workspace), AcpClient(rel_env, workspace)):
        try:
            client.initialize(workspace) if isinstance(client, LspClient) else client.initialize()
            created = client.request("session/new", {"cwd": str(workspace), "mcpServers": []})
            sid = created["result"]["sessionId"]
            client.wait_for(lambda: any((m.get("params") or {}).get("update", {}).get("sessionUpdate") ==
                                        "available_commands_update" for m in client.sequence))
            _after_answer(client, created["id"], sid)
            fake_api.reset()
            fake_api.enqueue(Reply.text("one"), Reply.text("two"), Reply.text("Summary."))
            for text in ("first", "second", "/compact"):
                prompt = {"sessionId": sid, "prompt": [{"type": "text", "text": text}]}
                assert client.result("session/prompt", prompt)["stopReason"] == "end_turn"
            assert fake_api.requests[-1].body["system"][0]["text"].startswith("You summarise")
            notices = [m["params"]["update"] for m in client.sequence if m.get("method") == "session/update"
                       and (m["params"]["update"].get("_meta") or {}).get("tandem", {}).get("notice") == "compaction"]
            assert len(notices) == 1, type(client).__name__
            loaded = client.request("session/load", {"sessionId": sid, "cwd": str(workspace), "mcpServers": []})
            client.wait_for(lambda: sum((m.get("params") or {}).get("update", {}).get("sessionUpdate") ==
                                        "available_commands_update" for m in client.sequence) == 2)
            _after_answer(client, loaded["id"], sid)
        finally:
            client.shutdown() if isinstance(client, LspClient) else client.stop()


async def test_rewind_after_a_compaction_keeps_the_summary(lsp, fake_api, workspace):
    fake_api.enqueue(Reply.text("a1"), Reply.text("a2"), Reply.text("Summary of a1 and a2."), Reply.text("a3"),
                     Reply.text("a4"))
    sid = await lsp.new_session(workspace)
    for text in ("p1", "p2", "/compact", "p3"):
        await lsp.prompt(sid, text)
    await lsp.request("_tandem/rewind", {"sessionId": sid, "turn": 3, "conversation": True})  # p3 is turn 3
    await lsp.prompt(sid, "p4")
    messages = fake_api.requests[-1].body["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]
    assert "Summary of a1 and a2." in messages[0]["content"][0]["text"]
    assert messages[2]["content"][0]["text"] == "p4"
