"""Protocol fuzzing of `tandem acp` (NDJSON): the same cases as the LSP door (fuzz.py), fewer of them, against one
real process; and the line-framing faults (no newline at the end, a line over the size limit)."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from .fuzz import Case, books_balance, cases, fuzz_home, fuzzing
from .rawclient import AcpClient

pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")
EXAMPLES = int(os.environ.get("TANDEM_FUZZ_ACP_EXAMPLES", "3000"))
RSS_GROWTH_MIB = 30


@pytest.fixture(scope="module")
def acp_fuzzer(tmp_path_factory, fake_module_api):
    home = tmp_path_factory.mktemp("fuzz-acp")
    env, workspace = fuzz_home(home, fake_module_api.base_url)
    client = AcpClient(env, workspace, home / "stderr.log")
    client.initialize()
    with fuzzing(client, workspace, client.stop, home / "stderr.log", checkpoint_every=250) as fuzz:
        yield fuzz


@settings(max_examples=EXAMPLES, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck))
@given(case=cases())
def test_fuzz_acp_door(acp_fuzzer, case: Case):
    acp_fuzzer.send(case)


def test_fuzz_acp_books_balance_and_memory_is_bounded(acp_fuzzer):
    books_balance(acp_fuzzer, "ACP", RSS_GROWTH_MIB)


@pytest.fixture
def acp(rel_env, workspace, raw_clients):
    def start(**env: str) -> AcpClient:
        client = AcpClient({**rel_env, **env}, workspace)
        raw_clients.append(client)
        client.initialize()
        return client

    return start


def test_a_line_over_the_limit_is_refused_and_the_next_one_served(acp):
    client = acp(TANDEM_MAX_MESSAGE_BYTES="1048576")
    before = client.rss_mib()
    client.write(b'{"jsonrpc":"2.0","id":"big","method":"_tandem/info","params":{"x":"' + b"y" * 5_000_000 + b'"}}\n')
    assert client.result("_tandem/info", {})["version"]
    [error] = client.null_errors
    assert error["error"]["code"] == -32600 and "over the limit" in error["error"]["message"]
    assert '"big"' not in client.responses
    assert client.rss_mib() - before < 15


def test_a_long_line_in_many_pieces_is_read_in_linear_time(acp):
    import time

    client = acp()
    started = time.monotonic()
    line = b'{"jsonrpc":"2.0","id":"long","method":"_tandem/info","params":{"x":"' + b"y" * 50_000_000 + b'"}}\n'
    client.write(line)
    assert client.wait_response("long", timeout=60)["result"]["version"]
    assert time.monotonic() - started < 20


def test_a_message_split_across_writes_and_two_in_one_write(acp):
    import time

    client = acp()
    message = b'{"jsonrpc":"2.0","id":"split","method":"_tandem/info","params":{}}\n'
    client.write(message[:20])
    time.sleep(0.2)
    client.write(message[20:] + message.replace(b"split", b"second") + b"\n\n   \n")
    assert client.wait_response("split")["result"]["version"]
    assert client.wait_response("second")["result"]["version"]
    assert not client.null_errors  # blank lines are not messages
