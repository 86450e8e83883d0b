"""Two sessions with pending proposals on one file: one `_tandem/hunks` with every hunk, no single session's id, and
Accept All (no session id) decides both."""

from __future__ import annotations

import asyncio

from tandem.agent.fake_api import Reply, ToolUse

ORIGINAL = "".join(f"line {i}\n" for i in range(1, 41))
FIRST = ORIGINAL.replace("line 3\n", "line three\n")
SECOND = ORIGINAL.replace("line 30\n", "line thirty\n")


def _script(fake_api, path, content):
    # the fake answers calls in arrival order: each session's closing text is queued once both are waiting
    fake_api.enqueue(Reply(blocks=[ToolUse("Read", {"file_path": str(path)})]),
                     Reply(blocks=[ToolUse("Write", {"file_path": str(path), "content": content})]))


async def test_accept_all_decides_the_hunks_of_both_sessions(tandem, fake_api, workspace):
    from lsprotocol import types

    path = workspace / "notes.txt"
    path.write_text(ORIGINAL)
    tandem.editor.open(path)
    tandem.permission_hold = asyncio.Event()  # nobody answers the prompts: the editor's commands decide
    first_sid, second_sid = await tandem.new_session(workspace), await tandem.new_session(workspace)
    _script(fake_api, path, FIRST)
    first = asyncio.ensure_future(tandem.prompt(first_sid, "edit line 3"))
    await tandem.wait_for(lambda: tandem.hunk_notices and len(tandem.hunk_notices[-1]["hunks"]) == 1)
    assert tandem.hunk_notices[-1]["sessionId"] == first_sid
    _script(fake_api, path, SECOND)
    second = asyncio.ensure_future(tandem.prompt(second_sid, "edit line 30"))
    await tandem.wait_for(lambda: len(tandem.hunk_notices[-1]["hunks"]) == 2)
    notice = tandem.hunk_notices[-1]
    assert notice["sessionId"] == "" and "toolCallId" not in notice
    fake_api.enqueue(Reply.text("Done."), Reply.text("Done."))
    await tandem.client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="tandem.acceptHunks", arguments=[{"sessionId": "", "uri": path.as_uri()}]))
    await asyncio.wait_for(asyncio.gather(first, second), 20)
    assert tandem.editor.text(path) == ORIGINAL.replace("line 3\n", "line three\n").replace("line 30\n",
                                                                                           "line thirty\n")
    assert tandem.hunk_notices[-1]["hunks"] == []
    tandem.permission_hold.set()
