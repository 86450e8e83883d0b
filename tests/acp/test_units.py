"""The ACP door's parts in-process: the JSON-RPC peer, slash-command expansion, the client's view of a workspace."""

from __future__ import annotations

import asyncio
import json

from tandem_protocol import TextContent

from tandem.doors.acp import commands
from tandem.doors.acp.rpc import Peer, RpcFailure
from tandem.workspace import Workspace


def make_peer(on_request=None, on_notification=None):
    sent: list[dict] = []

    async def unknown(method, params):
        raise RpcFailure(-32601, f"Method not found: {method}")

    peer = Peer(lambda data: sent.append(json.loads(data)), on_request or unknown, on_notification or unknown)
    return peer, sent


async def test_answer_goes_out_before_what_the_handler_scheduled():
    async def handler(method, params):
        asyncio.get_running_loop().call_soon(peer.notify, "after", {})
        return {"ok": True}

    peer, sent = make_peer(handler)
    peer.feed(b'{"jsonrpc": "2.0", "id": 1, "method": "x"}')
    await asyncio.sleep(0.01)
    assert [m.get("method", m.get("id")) for m in sent] == [1, "after"]


async def test_cancel_request_answers_request_cancelled():
    started = asyncio.Event()

    async def slow(method, params):
        started.set()
        await asyncio.sleep(10)

    peer, sent = make_peer(slow)
    peer.feed(b'{"jsonrpc": "2.0", "id": "a", "method": "slow"}')
    await started.wait()
    peer.feed(b'{"jsonrpc": "2.0", "method": "$/cancel_request", "params": {"requestId": "a"}}')
    await asyncio.sleep(0.01)
    assert sent == [{"jsonrpc": "2.0", "id": "a", "error": {"code": -32800, "message": "Request cancelled"}}]


async def test_outgoing_request_gets_result_error_and_withdrawal():
    peer, sent = make_peer()
    ok = asyncio.ensure_future(peer.request("fs/read_text_file", {"path": "/x"}))
    bad = asyncio.ensure_future(peer.request("fs/read_text_file", {"path": "/y"}))
    hanging = asyncio.ensure_future(peer.request("session/request_permission", {}))
    await asyncio.sleep(0)
    peer.feed(b'{"jsonrpc": "2.0", "id": 0, "result": {"content": "hi"}}')
    peer.feed(b'{"jsonrpc": "2.0", "id": 1, "error": {"code": -32002, "message": "nope"}}')
    assert await ok == {"content": "hi"}
    try:
        await bad
    except RpcFailure as e:
        assert (e.code, e.message) == (-32002, "nope")
    hanging.cancel()
    await asyncio.sleep(0)
    assert sent[-1] == {"jsonrpc": "2.0", "method": "$/cancel_request", "params": {"requestId": 2}}
    peer.feed(b'{"jsonrpc": "2.0", "id": 2, "result": {}}')  # a late answer is dropped quietly


async def test_close_fails_pending_requests():
    peer, _ = make_peer()
    pending = asyncio.ensure_future(peer.request("fs/read_text_file", {}))
    await asyncio.sleep(0)
    await peer.close()
    try:
        await pending
    except ConnectionError:
        pass
    else:
        raise AssertionError("expected ConnectionError")


def test_slash_commands_expand():
    blocks, command = commands.expand([TextContent(text="/review only the parser"), TextContent(text="ctx")])
    assert command.name == "review" and "only the parser" in blocks[0].text and blocks[1].text == "ctx"
    blocks, command = commands.expand([TextContent(text="/plan\nadd a flag")])
    assert command.mode == "plan" and blocks[0].text == "add a flag"
    for text in ("/unknown thing", "no command", "a /review later"):
        blocks, command = commands.expand([TextContent(text=text)])
        assert command is None and blocks[0].text == text


def test_workspace_view_overlays_one_file_and_keeps_changes_to_itself(tmp_path):
    (tmp_path / "a.py").write_text("disk\n")
    shared: dict = {}
    ws = Workspace(tmp_path, shared)
    view = ws.with_text(tmp_path / "a.py", "client\n")
    assert view.read_text("a.py") == "client\n" and ws.read_text("a.py") == "disk\n"
    view.update_buffer("a.py", "edited\n", 1)
    assert view.read_text("a.py") == "edited\n" and shared == {} and not ws.is_open("a.py")
    ws.open_buffer("b.py", "open in the editor\n")
    assert view.read_text("b.py") == "open in the editor\n"  # the shared overlay still shows through
