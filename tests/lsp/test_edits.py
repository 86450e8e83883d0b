"""The edit pipeline end to end: per-hunk review, the user's own text, rebase and stale, code lenses, applyEdit."""

from __future__ import annotations

import asyncio
import json

from tandem.agent.fake_api import Reply, ToolUse

from .harness import allow, reject

LINES = [f"line {i}\n" for i in range(1, 41)]
ORIGINAL = "".join(LINES)
PROPOSED = ORIGINAL.replace("line 3\n", "line three\n").replace("line 30\n", "line thirty\n")


def _script_write(fake_api, path, content=PROPOSED, then="Done."):
    fake_api.enqueue(Reply(blocks=[ToolUse("Read", {"file_path": str(path)})]),
                     Reply(blocks=[ToolUse("Write", {"file_path": str(path), "content": content})]),
                     Reply.text(then))


def _tool_result(fake_api, index=2):
    return json.dumps(fake_api.requests[index].body["messages"][-1]["content"][0])


async def test_permission_carries_hunks_and_partial_accept_applies_only_those(tandem, fake_api, workspace):
    path = workspace / "notes.txt"
    path.write_text(ORIGINAL)
    holder = {}

    def answer(params):
        hunks = params["toolCall"]["_meta"]["tandem"]["hunks"]
        holder["hunks"] = hunks
        return allow(acceptedHunks=[hunks[0]["id"]])(params)

    tandem.permission_answers.append(answer)
    _script_write(fake_api, path)
    sid = await tandem.new_session(workspace)
    await tandem.prompt(sid, "rename lines")
    assert [h["oldStart"] for h in holder["hunks"]] == [3, 30]
    assert holder["hunks"][0]["removed"] == ["line 3"] and holder["hunks"][0]["added"] == ["line three"]
    assert path.read_text() == ORIGINAL.replace("line 3\n", "line three\n")
    told = _tool_result(fake_api)
    assert "applied 1 of the 2 hunks" in told and "+line thirty" in told


async def test_final_text_and_feedback_reach_file_and_model(tandem, fake_api, workspace):
    path = workspace / "notes.txt"
    path.write_text(ORIGINAL)
    mine = ORIGINAL.replace("line 3\n", "my line 3\n")
    tandem.permission_answers.append(allow(finalText=mine, feedback="I did it my way"))
    _script_write(fake_api, path)
    sid = await tandem.new_session(workspace)
    await tandem.prompt(sid, "edit")
    assert path.read_text() == mine
    told = _tool_result(fake_api)
    assert "modified your proposed change" in told and "I did it my way" in told


async def test_reject_changes_nothing_and_passes_feedback(tandem, fake_api, workspace):
    path = workspace / "notes.txt"
    path.write_text(ORIGINAL)
    tandem.permission_answers.append(reject(feedback="wrong file"))
    _script_write(fake_api, path)
    sid = await tandem.new_session(workspace)
    await tandem.prompt(sid, "edit")
    assert path.read_text() == ORIGINAL
    told = _tool_result(fake_api)
    assert "not applied" in told and "wrong file" in told and '"is_error": true' in told


async def test_user_typing_elsewhere_rebases_and_is_kept(tandem, fake_api, workspace):
    path = workspace / "notes.txt"
    path.write_text(ORIGINAL)
    tandem.editor.open(path)
    tandem.permission_hold = asyncio.Event()
    tandem.permission_answers.append(allow())
    _script_write(fake_api, path)
    sid = await tandem.new_session(workspace)
    prompt = asyncio.ensure_future(tandem.prompt(sid, "edit"))
    await tandem.wait_for(lambda: tandem.permission_requests)
    typed = "USER WAS HERE\n" + ORIGINAL.replace("line 20\n", "line 20 (edited by the user)\n")
    tandem.editor.type(path, typed)
    # the preview follows the user's typing: a tool_call_update with the rebased diff
    await tandem.wait_for(lambda: any(u.get("content") and u["content"][0].get("type") == "diff"
                                      and "USER WAS HERE" in (u["content"][0].get("oldText") or "")
                                      for u in tandem.of(sid, "tool_call_update")))
    tandem.permission_hold.set()
    await prompt
    expected = typed.replace("line 3\n", "line three\n").replace("line 30\n", "line thirty\n")
    assert tandem.editor.text(path) == expected
    assert path.read_text() == ORIGINAL  # applied to the open buffer through workspace/applyEdit, not to disk
    assert all(len(edits) <= 2 for edits in tandem.editor.applied)  # minimal TextEdits, not a whole-file swap
    assert "their edits were kept" in _tool_result(fake_api)


async def test_user_typing_on_the_hunk_makes_it_stale(tandem, fake_api, workspace):
    path = workspace / "notes.txt"
    path.write_text(ORIGINAL)
    tandem.editor.open(path)
    tandem.permission_hold = asyncio.Event()
    _script_write(fake_api, path)
    sid = await tandem.new_session(workspace)
    prompt = asyncio.ensure_future(tandem.prompt(sid, "edit"))
    await tandem.wait_for(lambda: tandem.permission_requests)
    typed = ORIGINAL.replace("line 3\n", "line 3 is mine\n")
    tandem.editor.type(path, typed)
    await prompt
    assert tandem.editor.text(path) == typed  # nothing of the agent's written, nothing of the user's lost
    told = _tool_result(fake_api)
    assert "Read the file again" in told and '"is_error": true' in told
    tandem.permission_hold.set()


async def test_code_lenses_accept_one_hunk_and_reject_the_other(tandem, fake_api, workspace):
    from lsprotocol import types

    path = workspace / "notes.txt"
    path.write_text(ORIGINAL)
    tandem.editor.open(path)
    tandem.permission_hold = asyncio.Event()  # the prompt stays unanswered: the lenses decide
    _script_write(fake_api, path)
    sid = await tandem.new_session(workspace)
    prompt = asyncio.ensure_future(tandem.prompt(sid, "edit"))
    await tandem.wait_for(lambda: tandem.hunk_notices and tandem.hunk_notices[-1]["hunks"])
    assert tandem.hunk_notices[-1]["sessionId"] == sid
    await tandem.wait_for(lambda: tandem.lens_refreshes >= 1)
    lenses = await tandem.client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=path.as_uri())))
    titles = [lens.command.title for lens in lenses]
    assert "Accept all (2)" in titles and "Reject all" in titles
    per_hunk = [lens for lens in lenses if lens.command.arguments[0].get("hunkIds")]
    first_accept = next(lens for lens in per_hunk if lens.range.start.line == 2 and "Accept" in lens.command.title)
    second_reject = next(lens for lens in per_hunk if lens.range.start.line == 29 and "Reject" in lens.command.title)
    for lens in (first_accept, second_reject):
        await tandem.client.workspace_execute_command_async(types.ExecuteCommandParams(
            command=lens.command.command, arguments=lens.command.arguments))
    await asyncio.wait_for(prompt, 10)
    assert tandem.editor.text(path) == ORIGINAL.replace("line 3\n", "line three\n")
    assert tandem.hunk_notices[-1]["hunks"] == []
    assert "applied 1 of the 2 hunks" in _tool_result(fake_api)
    tandem.permission_hold.set()


async def agent_wrote_notes(client, fake_api, workspace):
    """notes.txt held ORIGINAL; a session in acceptEdits mode has written PROPOSED over it in its turn 1."""
    path = workspace / "notes.txt"
    path.write_text(ORIGINAL)
    sid = await client.new_session(workspace)
    await client.request("session/set_mode", {"sessionId": sid, "modeId": "acceptEdits"})
    _script_write(fake_api, path)
    await client.prompt(sid, "edit")
    return sid, path


async def test_accept_edits_then_review_list_and_revert_keep_user_edits(tandem, fake_api, workspace):
    sid, path = await agent_wrote_notes(tandem, fake_api, workspace)
    assert not tandem.permission_requests
    assert path.read_text() == PROPOSED
    path.write_text(PROPOSED.replace("line 10\n", "line 10 by the user\n"))  # the user edits afterwards
    review = await tandem.request("_tandem/review/list", {"sessionId": sid})
    [entry] = review["files"]
    assert entry["path"] == str(path) and entry["turns"] == [1] and len(entry["hunks"]) == 2
    assert "+line thirty" in entry["diff"] and "+line 10 by the user" in entry["diff"]
    first = entry["hunks"][0]["id"]
    result = await tandem.request("_tandem/review/revert", {"sessionId": sid, "path": str(path), "hunkIds": [first]})
    assert result["reverted"] == [str(path)] and result["conflicts"] == []
    assert path.read_text() == ORIGINAL.replace("line 30\n", "line thirty\n").replace("line 10\n",
                                                                                    "line 10 by the user\n")


async def test_revert_reports_an_overlapping_user_edit(tandem, fake_api, workspace):
    sid, path = await agent_wrote_notes(tandem, fake_api, workspace)
    mine = PROPOSED.replace("line three\n", "line three, refined by the user\n")
    path.write_text(mine)
    result = await tandem.request("_tandem/review/revert", {"sessionId": sid, "path": str(path)})
    assert result["conflicts"] == [str(path)] and "overlap" in result["message"]
    assert path.read_text() == mine


async def test_rewind_restores_code_and_cuts_conversation_across_restart(server_env, fake_api, workspace):
    from .harness import TandemClient

    path = workspace / "notes.txt"
    path.write_text(ORIGINAL)
    first = await TandemClient(server_env).start(root=workspace)
    sid = await first.new_session(workspace)
    await first.request("session/set_mode", {"sessionId": sid, "modeId": "acceptEdits"})
    fake_api.enqueue(Reply.text("Hello."))
    await first.prompt(sid, "turn one")
    _script_write(fake_api, path)
    await first.prompt(sid, "turn two")
    new_file = workspace / "created.txt"
    fake_api.enqueue(Reply(blocks=[ToolUse("Write", {"file_path": str(new_file), "content": "new\n"})]),
                     Reply.text("Created."))
    await first.prompt(sid, "turn three")
    assert path.read_text() == PROPOSED and new_file.exists()
    await first.stop()

    second = await TandemClient(server_env).start(root=workspace)
    try:
        await second.request("session/load", {"sessionId": sid, "cwd": str(workspace), "mcpServers": []})
        result = await second.request("_tandem/rewind", {"sessionId": sid, "turn": 2, "conversation": True})
        assert sorted(result["reverted"]) == sorted([str(path), str(new_file)])
        assert path.read_text() == ORIGINAL and not new_file.exists()
        fake_api.enqueue(Reply.text("Fresh."))
        await second.prompt(sid, "after rewind")
        messages = fake_api.requests[-1].body["messages"]
        assert [m["role"] for m in messages] == ["user", "assistant", "user"]
        assert "turn one" in json.dumps(messages[0]) and "after rewind" in json.dumps(messages[-1])
    finally:
        await second.stop()


async def test_code_action_offers_ask_tandem_and_runs_an_inline_edit(tandem, fake_api, workspace):
    from lsprotocol import types

    path = workspace / "src" / "app.py"
    tandem.editor.open(path)
    rng = types.Range(start=types.Position(line=0, character=0), end=types.Position(line=1, character=10))
    diagnostic = types.Diagnostic(range=rng, message="greet lacks a docstring")
    actions = await tandem.client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=path.as_uri()), range=rng,
        context=types.CodeActionContext(diagnostics=[diagnostic])))
    titles = [a.title for a in actions]
    assert any("Ask Tandem to fix" in t for t in titles) and "Ask Tandem to edit this…" in titles
    await tandem.new_session(workspace)  # the workspace is known to the server
    fake_api.enqueue(Reply.text("Added a docstring suggestion."))
    fix = next(a for a in actions if "fix" in a.title)
    command = fix.command  # pytest-lsp's client decodes the CodeAction | Command union loosely
    while not isinstance(command, (str, dict)):
        command = command.command
    if isinstance(command, str) and command.startswith("{"):
        import ast

        command = ast.literal_eval(command)
    name, arguments = (command["command"], command["arguments"]) if isinstance(command, dict) else (
        command, fix.arguments)
    await tandem.client.workspace_execute_command_async(types.ExecuteCommandParams(command=name,
                                                                                   arguments=arguments))
    await tandem.wait_for(lambda: fake_api.requests)
    body = json.dumps(fake_api.requests[0].body["messages"][0])
    assert "greet lacks a docstring" in body and "def greet(name):" in body and "#L1-L2" in body


async def test_crlf_file_keeps_crlf(tandem, fake_api, workspace):
    path = workspace / "win.txt"
    path.write_bytes(b"one\r\ntwo\r\nthree\r\n")
    tandem.permission_answers.append(allow())
    fake_api.enqueue(Reply(blocks=[ToolUse("Read", {"file_path": str(path)})]),
                     Reply(blocks=[ToolUse("Edit", {"file_path": str(path), "old_string": "two\nthree",
                                                    "new_string": "2\n3"})]), Reply.text("ok"))
    sid = await tandem.new_session(workspace)
    await tandem.prompt(sid, "edit")
    assert path.read_bytes() == b"one\r\n2\r\n3\r\n"


async def test_binary_file_is_refused(tandem, fake_api, workspace):
    path = workspace / "blob.bin"
    path.write_bytes(b"\x00\x01\x02binary")
    fake_api.enqueue(Reply(blocks=[ToolUse("Read", {"file_path": str(path)})]), Reply.text("ok"))
    sid = await tandem.new_session(workspace)
    await tandem.prompt(sid, "read")
    assert "binary" in _tool_result(fake_api, 1)


async def test_symlink_leading_outside_is_always_asked(tandem, fake_api, workspace, tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("secret\n")
    link = workspace / "link.txt"
    link.symlink_to(outside)
    sid = await tandem.new_session(workspace)
    await tandem.request("session/set_mode", {"sessionId": sid, "modeId": "bypassPermissions"})
    tandem.permission_answers.append(reject())
    fake_api.enqueue(Reply(blocks=[ToolUse("Write", {"file_path": str(link), "content": "pwned\n"})]),
                     Reply.text("ok"))
    await tandem.prompt(sid, "write")
    assert outside.read_text() == "secret\n"


async def test_large_file_edit(tandem, fake_api, workspace):
    path = workspace / "big.txt"
    text = "".join(f"row {i}\n" for i in range(10_000))
    path.write_text(text)
    sid = await tandem.new_session(workspace)
    await tandem.request("session/set_mode", {"sessionId": sid, "modeId": "acceptEdits"})
    fake_api.enqueue(Reply(blocks=[ToolUse("Read", {"file_path": str(path), "limit": 5})]),
                     Reply(blocks=[ToolUse("Edit", {"file_path": str(path), "old_string": "row 9876\n",
                                                    "new_string": "row 9876 changed\n"})]), Reply.text("ok"))
    await tandem.prompt(sid, "edit")
    assert path.read_text() == text.replace("row 9876\n", "row 9876 changed\n")


async def test_another_program_writing_the_file_rebases_the_pending_proposal(tandem, fake_api, workspace):
    path = workspace / "notes.txt"
    path.write_text(ORIGINAL)
    tandem.permission_hold = asyncio.Event()
    tandem.permission_answers.append(allow())
    _script_write(fake_api, path)
    sid = await tandem.new_session(workspace)
    prompt = asyncio.ensure_future(tandem.prompt(sid, "edit"))
    await tandem.wait_for(lambda: tandem.permission_requests)
    await asyncio.sleep(0.3)  # the watcher is up
    on_disk = ORIGINAL.replace("line 15\n", "line 15 (formatter)\n")
    path.write_text(on_disk)  # a formatter, git checkout, ...: not the editor
    await tandem.wait_for(lambda: any(u.get("content") and "formatter" in (u["content"][0].get("oldText") or "")
                                      for u in tandem.of(sid, "tool_call_update")))
    tandem.permission_hold.set()
    await prompt
    assert path.read_text() == on_disk.replace("line 3\n", "line three\n").replace("line 30\n", "line thirty\n")


async def test_edit_refused_by_the_editor_is_rebased_and_retried_never_written_behind_it(tandem, fake_api,
                                                                                          workspace):
    path = workspace / "notes.txt"
    path.write_text(ORIGINAL)
    tandem.editor.open(path)
    tandem.permission_answers.append(allow())
    typed = ORIGINAL.replace("line 20\n", "line 20 typed as the edit arrived\n")
    tandem.editor.before_apply = lambda: tandem.editor.type(path, typed)  # the version moves: this apply is refused
    _script_write(fake_api, path)
    sid = await tandem.new_session(workspace)
    await tandem.prompt(sid, "edit")
    assert tandem.editor.text(path) == typed.replace("line 3\n", "line three\n").replace("line 30\n",
                                                                                         "line thirty\n")
    assert path.read_text() == ORIGINAL  # the disk behind the open buffer was never written
