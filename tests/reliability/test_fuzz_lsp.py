"""Protocol fuzzing of `tandem serve`: 10,000 generated messages, well framed, against ONE real server process.

Each message gets what JSON-RPC 2.0 and LSP say (an answer by id, an id-null error, or nothing; see fuzz.py), the
server keeps serving (a probe after every 500 answers), writes only well-formed messages, and its memory stays
bounded. Framing faults (bad, missing, huge Content-Length) desynchronise the stream by nature, so each runs in a
short-lived server of its own; so do the lifecycle cases (requests before initialize, after shutdown)."""

from __future__ import annotations

import os
import time

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings

from .fuzz import ID, Case, books_balance, cases, fuzz_home, fuzzing
from .rawclient import LspClient

pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")  # long strategy reprs
EXAMPLES = int(os.environ.get("TANDEM_FUZZ_EXAMPLES", "10000"))
RSS_GROWTH_MIB = 40  # after warm-up; 10,000 messages with strings up to 1 MB each


@pytest.fixture(scope="module")
def fuzzer(tmp_path_factory, fake_module_api):
    home = tmp_path_factory.mktemp("fuzz-lsp")
    env, workspace = fuzz_home(home, fake_module_api.base_url)
    client = LspClient(env, workspace, home / "stderr.log")
    client.initialize(workspace)
    with fuzzing(client, workspace, client.shutdown, home / "stderr.log") as fuzz:
        yield fuzz


@settings(max_examples=EXAMPLES, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck))
@given(case=cases())
@example(case=Case({"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": [1]}}, "none", "notification"))
@example(case=Case({"jsonrpc": "2.0", "id": ID, "method": "$/cancelRequest", "params": {"id": {}}}, "answer",
                   "request"))
def test_fuzz_10000_messages_on_one_server(fuzzer, case: Case):
    fuzzer.send(case)


def test_fuzz_books_balance_and_memory_is_bounded(fuzzer):
    """Runs after the fuzzing: every message got exactly what it should, and the server is fine."""
    assert fuzzer.sent >= EXAMPLES
    books_balance(fuzzer, "LSP", RSS_GROWTH_MIB)


# ---- framing faults and lifecycle, each in a short-lived server --------------------------------------------------


@pytest.fixture
def fresh(rel_env, workspace, raw_clients):
    def start(initialize: bool = True, **env: str) -> LspClient:
        client = LspClient({**rel_env, **env}, workspace)
        raw_clients.append(client)
        if initialize:
            client.initialize(workspace)
        return client

    return start


def frame(body: bytes, length: int | None = None, header: bytes | None = None) -> bytes:
    head = header if header is not None else b"Content-Length: %d\r\n" % (len(body) if length is None else length)
    return head + b"\r\n" + body


INFO = b'{"jsonrpc":"2.0","id":"after","method":"_tandem/info","params":{}}'


@pytest.mark.parametrize("bad", [
    pytest.param(frame(b'{"jsonrpc":"2.0","id":1,"method":"_tandem/info"}', header=b""), id="missing-length"),
    pytest.param(frame(b"{}", header=b"Content-Length: abc\r\n"), id="length-not-a-number"),
    pytest.param(frame(b"{}", header=b"Content-Length: -5\r\n"), id="negative-length"),
    pytest.param(frame(b"{}", header=b"Content-Type: application/json\r\n"), id="only-content-type"),
    pytest.param(b"Content-Length: 2\r\nX-Junk: 1\r\n\r\n{}", id="unknown-header"),
    pytest.param(b"\r\n\r\n\r\n", id="empty-lines"),
    pytest.param(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", id="http"),
    pytest.param(frame(b'{"jsonrpc":"2.0","id":1,"method":"_tandem/info","params":{}}', length=20), id="too-short"),
    pytest.param(frame(b'{"jsonrpc":"2.0"}', length=30), id="too-long"),
    pytest.param(b"Content-Length: " + b"9" * 70_000 + b"\r\n\r\n", id="endless-header-line"),
    pytest.param(b"x" * 3_000_000 + b"\r\n", id="3-MB-garbage-line"),
])
def test_a_framing_fault_costs_at_most_a_few_messages(fresh, bad):
    """After a framing fault the server resynchronises at the next proper header: it keeps serving."""
    client = fresh()
    client.write(bad)
    for attempt in range(4):  # a broken frame can swallow the next message or two; then it must answer
        client.write(frame(INFO.replace(b'"after"', b'"after-%d"' % attempt)))
    answered = client.wait_for(lambda: any(k.startswith('"after-') for k in client.responses), timeout=20)
    assert answered and client.alive and not client.violations
    assert client.result("_tandem/info", {})["version"]
    assert client.shutdown() == 0


def test_a_message_over_the_size_limit_is_refused_and_the_stream_stays_in_step(fresh):
    client = fresh(TANDEM_MAX_MESSAGE_BYTES="1048576")
    before = client.rss_mib()
    big = b'{"jsonrpc":"2.0","id":"big","method":"_tandem/info","params":{"x":"' + b"y" * 3_000_000 + b'"}}'
    client.write(frame(big))
    client.write(frame(INFO))
    assert client.wait_response("after")["result"]["version"]
    [error] = client.null_errors
    assert error["error"]["code"] == -32600 and "over the limit" in error["error"]["message"]
    assert '"big"' not in client.responses
    assert client.rss_mib() - before < 10  # read and dropped in pieces, never held whole
    assert client.shutdown() == 0


def test_a_huge_bogus_length_neither_allocates_nor_crashes(fresh):
    """`Content-Length: 10^18` and then the client goes away: the server ends cleanly, without a MemoryError."""
    client = fresh()
    before = client.rss_mib()
    client.write(b"Content-Length: 1000000000000000000\r\n\r\n" + b"{" * 100_000)
    time.sleep(0.5)
    assert client.alive and client.rss_mib() - before < 20
    assert client.stop() == 0


def test_requests_before_initialize_and_after_shutdown(fresh, workspace):
    client = fresh(initialize=False)
    early = client.request("_tandem/info", {})  # LSP allows an answer or -32002; never silence
    assert "result" in early or early["error"]["code"] == -32002
    client.initialize(workspace)
    assert client.result("shutdown", None) is None
    late = client.request("_tandem/info", {})
    assert late["error"]["code"] == -32600 and "shutting down" in late["error"]["message"]
    late_new = client.request("session/new", {"cwd": "/nonexistent", "mcpServers": []})
    assert late_new["error"]["code"] == -32600
    client.notify("exit")
    assert client.proc.wait(10) == 0


def test_exit_without_shutdown_ends_the_process(fresh):
    client = fresh()
    client.notify("exit")
    assert client.proc.wait(10) in (0, 1)  # LSP: 1 when exit comes without shutdown


def test_closing_stdin_ends_the_server(fresh):
    client = fresh()
    assert client.stop() == 0
