"""The ACP door's JSON-RPC edge, byte for byte: bad input gets a clear error, and the server keeps serving."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from typing import Any

import pytest
import pytest_asyncio

from tests.acp_schema import validate_acp_message

pytestmark = pytest.mark.asyncio(loop_scope="module")


class RawClient:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.next_id = 100
        self.notifications: list[dict[str, Any]] = []

    def send(self, message: Any) -> None:
        data = message if isinstance(message, bytes) else json.dumps(message).encode()
        self.proc.stdin.write(data + b"\n")

    async def recv(self, timeout: float = 10) -> dict[str, Any]:
        """The next response; notifications on the way (available_commands_update) are checked and kept."""
        while True:
            line = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
            assert line.endswith(b"\n")
            msg = json.loads(line)
            if "id" in msg:
                return msg
            validate_acp_message(msg)
            self.notifications.append(msg)

    async def call(self, method: str, params: Any = None, **extra: Any) -> dict[str, Any]:
        self.next_id += 1
        msg = {"jsonrpc": "2.0", "id": self.next_id, "method": method, **extra}
        if params is not None:
            msg["params"] = params
        self.send(msg)
        while True:
            reply = await self.recv()
            if reply.get("id") == self.next_id:
                return reply


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def raw(acp_env):
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "tandem", "acp", env=acp_env,
                                                stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    client = RawClient(proc)
    init = await client.call("initialize", {"protocolVersion": 1, "clientCapabilities": {}})
    validate_acp_message(init, method="initialize")
    yield client
    proc.stdin.close()
    assert await asyncio.wait_for(proc.wait(), 10) == 0


def error_of(reply: dict[str, Any], code: int) -> str:
    validate_acp_message(reply, method="initialize")  # an error object's shape is the same for every method
    assert reply["error"]["code"] == code, reply
    return reply["error"]["message"]


async def test_malformed_json_is_a_parse_error_and_serving_goes_on(raw, workspace):
    raw.send(b'{"jsonrpc": "2.0", "id": 1, "method": "session/new", ')
    reply = await raw.recv()
    assert reply["id"] is None
    assert error_of(reply, -32700).startswith("Parse error")
    created = await raw.call("session/new", {"cwd": str(workspace), "mcpServers": []})
    validate_acp_message(created, method="session/new")


@pytest.mark.parametrize("line, why", [
    (b"[1, 2]", "batches are not supported"),
    (b'"hello"', "expected a JSON object"),
    (b'{"jsonrpc": "2.0", "id": {"x": 1}, "method": "session/list"}', "id must be"),
    (b'{"jsonrpc": "2.0", "id": 7}', "no method"),
])
async def test_invalid_requests(raw, line, why):
    raw.send(line)
    assert why in error_of(await raw.recv(), -32600)


async def test_wrong_jsonrpc_version_and_method_type(raw):
    reply = await raw.call("session/list", {}, jsonrpc="1.0")
    assert '"jsonrpc" must be "2.0"' in error_of(reply, -32600)
    raw.next_id += 1
    raw.send({"jsonrpc": "2.0", "id": raw.next_id, "method": 42})
    assert "method must be a string" in error_of(await raw.recv(), -32600)


async def test_unknown_method(raw):
    assert error_of(await raw.call("session/frobnicate", {}), -32601) == "Method not found: session/frobnicate"
    assert "_tandem/nope" in error_of(await raw.call("_tandem/nope", {}), -32601)
    # methods the agent sends, not serves, are unknown here too
    assert "fs/read_text_file" in error_of(await raw.call("fs/read_text_file", {"sessionId": "s", "path": "/x"}),
                                           -32601)


async def test_bad_params_name_the_field(raw, workspace):
    message = error_of(await raw.call("session/new", {"cwd": 3, "mcpServers": []}), -32602)
    assert message == "Invalid params for session/new: Expected `str`, got `int` - at `$.cwd`"
    assert "mcpServers" in error_of(await raw.call("session/new", {"cwd": str(workspace)}), -32602)
    assert "params must be an object" in error_of(await raw.call("session/list", [1]), -32602)
    assert "absolute path" in error_of(await raw.call("session/new", {"cwd": "rel", "mcpServers": []}), -32602)
    assert "protocolVersion" in error_of(await raw.call("initialize", {}), -32602)
    created = await raw.call("session/new", {"cwd": str(workspace), "mcpServers": []})
    sid = created["result"]["sessionId"]
    bad_block = {"sessionId": sid, "prompt": [{"type": "video", "url": "x"}]}
    assert "prompt" in error_of(await raw.call("session/prompt", bad_block), -32602)
    assert "Unknown mode" in error_of(await raw.call("session/set_mode", {"sessionId": sid, "modeId": "yolo"}),
                                      -32602)


async def test_unknown_session(raw):
    reply = await raw.call("session/prompt", {"sessionId": "ses_nope", "prompt": [{"type": "text", "text": "hi"}]})
    assert "Unknown session: 'ses_nope'" in error_of(reply, -32002)
    assert "ses_nope" in error_of(await raw.call("session/set_mode", {"sessionId": "ses_nope", "modeId": "plan"}),
                                  -32002)


async def test_stray_notifications_and_responses_are_ignored(raw):
    raw.send({"jsonrpc": "2.0", "method": "session/frobnicate", "params": {}})
    raw.send({"jsonrpc": "2.0", "method": "session/cancel", "params": {"sessionId": "ses_nope"}})
    raw.send({"jsonrpc": "2.0", "method": "$/cancel_request", "params": {"requestId": 999}})
    raw.send({"jsonrpc": "2.0", "id": 12345, "result": {}})
    raw.send(b"")
    listed = await raw.call("session/list", {})  # the first answer after them is this one
    assert listed["id"] == raw.next_id and "sessions" in listed["result"]



async def test_a_cwd_that_is_not_a_project_folder_is_refused_and_changes_nothing(raw, workspace):
    """The filesystem root would put a watcher on the whole disk; a file or a missing folder is no project."""
    before = (await raw.call("session/list", {}))["result"]["sessions"]
    for cwd in ("/", "//", "/tmp/.."):
        assert "open a project folder" in error_of(await raw.call("session/new", {"cwd": cwd, "mcpServers": []}),
                                                   -32602)
        for method in ("session/load", "session/resume"):
            reply = await raw.call(method, {"sessionId": "ses_x", "cwd": cwd, "mcpServers": []})
            assert "open a project folder" in error_of(reply, -32602)
    assert "not a directory" in error_of(await raw.call("session/new", {"cwd": str(workspace / "README.md"),
                                                                        "mcpServers": []}), -32602)
    missing = error_of(await raw.call("session/new", {"cwd": str(workspace / "gone"), "mcpServers": []}), -32602)
    assert "does not exist" in missing
    assert (await raw.call("session/list", {}))["result"]["sessions"] == before
