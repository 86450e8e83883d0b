"""The ACP schema helper itself: it accepts conforming messages and rejects broken ones with a readable reason."""

from __future__ import annotations

import time

import pytest
from acp_schema import acp_definition, acp_methods, is_acp_method, validate_acp_message

from tandem_protocol import METHODS

SID = "sess_1"


def test_every_acp_method_in_methods_is_in_the_schema():
    for m in METHODS:
        assert is_acp_method(m.name) == m.acp, m.name
        if m.acp:
            kind = "notification" if m.is_notification else "request"
            assert acp_methods()[m.name]["kind"] == kind, m.name


def test_definitions():
    assert acp_definition("session/new", "params") == "NewSessionRequest"
    assert acp_definition("session/new", "result") == "NewSessionResponse"
    assert acp_definition("session/update", "params") == "SessionNotification"
    assert not is_acp_method("_tandem/info")
    assert not is_acp_method("textDocument/didOpen")


def test_valid_messages():
    assert validate_acp_message({"jsonrpc": "2.0", "id": 1, "method": "session/new",
                                 "params": {"cwd": "/w", "mcpServers": []}})
    assert validate_acp_message({"jsonrpc": "2.0", "id": "a", "result": {"sessionId": SID}}, method="session/new")
    assert validate_acp_message({"jsonrpc": "2.0", "id": 1, "error": {"code": -32602, "message": "bad"}},
                                method="session/new")
    assert validate_acp_message({"jsonrpc": "2.0", "method": "session/cancel", "params": {"sessionId": SID}})


def test_extensions_are_skipped():
    assert validate_acp_message({"jsonrpc": "2.0", "id": 1, "method": "_tandem/info", "params": {}}) is False
    assert validate_acp_message({"jsonrpc": "2.0", "id": 1, "result": {"anything": 1}}, method="_tandem/info") is False


@pytest.mark.parametrize(("msg", "method", "reason"), [
    ({"jsonrpc": "2.0", "id": 1, "method": "session/new", "params": {"cwd": "/w"}}, None, "mcpServers"),
    ({"jsonrpc": "2.0", "id": 1, "result": {"stopReason": "done"}}, "session/prompt", "stopReason"),
    ({"jsonrpc": "2.0", "id": 1, "method": "session/set_config_option",
      "params": {"sessionId": SID, "configId": "x", "value": True}}, None, "SetSessionConfigOptionRequest"),
    ({"jsonrpc": "2.0", "method": "session/update",
      "params": {"sessionId": SID, "update": {"sessionUpdate": "current_mode_update", "modeId": "plan"}}},
     None, "SessionNotification"),
    ({"jsonrpc": "2.0", "id": 3, "method": "session/cancel", "params": {"sessionId": SID}}, None, "notification"),
    ({"jsonrpc": "2.0", "method": "session/new", "params": {"cwd": "/w", "mcpServers": []}}, None, "needs an id"),
    ({"jsonrpc": "2.0", "id": 1, "result": {}}, None, "method="),
    ({"id": 1, "method": "session/new", "params": {"cwd": "/w", "mcpServers": []}}, None, "jsonrpc"),
    ({"jsonrpc": "2.0", "id": 1, "method": "session/fork", "params": {}}, None, "not an ACP v1 method"),
])
def test_invalid_messages(msg, method, reason):
    with pytest.raises(AssertionError, match=reason):
        validate_acp_message(msg, method=method)


def test_is_fast_once_warm():
    msg = {"jsonrpc": "2.0", "method": "session/update", "params": {"sessionId": SID, "update": {
        "sessionUpdate": "agent_message_chunk", "messageId": "m", "content": {"type": "text", "text": "hi"}}}}
    validate_acp_message(msg)
    start = time.perf_counter()
    for _ in range(200):
        validate_acp_message(msg)
    assert (time.perf_counter() - start) / 200 < 0.02
