"""A revert is remembered: reverting the same hunks again is nothing to do, across a restart too."""

from __future__ import annotations

from .test_edits import ORIGINAL, agent_wrote_notes


async def test_a_second_revert_of_the_same_hunks_is_nothing_to_do(server_env, fake_api, workspace):
    from .harness import TandemClient

    first = await TandemClient(server_env).start(root=workspace)
    sid, path = await agent_wrote_notes(first, fake_api, workspace)
    [entry] = (await first.request("_tandem/review/list", {"sessionId": sid}))["files"]
    hunk = entry["hunks"][0]["id"]
    result = await first.request("_tandem/review/revert", {"sessionId": sid, "path": str(path), "hunkIds": [hunk]})
    assert result["reverted"] == [str(path)] and result["conflicts"] == []
    after_first = path.read_text()
    assert after_first == ORIGINAL.replace("line 30\n", "line thirty\n")
    again = await first.request("_tandem/review/revert", {"sessionId": sid, "path": str(path), "hunkIds": [hunk]})
    assert again["reverted"] == [] and again["conflicts"] == [] and "already undone" in again["message"]
    [entry] = (await first.request("_tandem/review/list", {"sessionId": sid}))["files"]
    assert [h["id"] for h in entry["hunks"]] != [] and hunk not in [h["id"] for h in entry["hunks"]]
    await first.stop()

    second = await TandemClient(server_env).start(root=workspace)
    try:
        await second.request("session/load", {"sessionId": sid, "cwd": str(workspace), "mcpServers": []})
        again = await second.request("_tandem/review/revert", {"sessionId": sid, "path": str(path),
                                                               "hunkIds": [hunk]})
        assert again["reverted"] == [] and again["conflicts"] == []
        everything = await second.request("_tandem/review/revert", {"sessionId": sid, "path": str(path)})
        assert everything["reverted"] == [str(path)] and path.read_text() == ORIGINAL
        rewind = await second.request("_tandem/rewind", {"sessionId": sid, "turn": 1, "conversation": False})
        assert rewind["reverted"] == [] and rewind["conflicts"] == [] and path.read_text() == ORIGINAL
    finally:
        await second.stop()
