"""Hypothesis strategies for protocol fuzzing, and a Fuzzer that sends cases pipelined and keeps the books.

A case is a message body (framing is the client's job) and what JSON-RPC 2.0 says must come back:
  "answer"  a request with a valid id: exactly one response with that id (a result or an error). Its id is given
            when it is sent (unique, never drawn), so answers can be counted.
  "null"    something that cannot be answered by id (not JSON, not an object, a batch, a bad id, no method and not
            a response): exactly one error response with id null.
  "none"    a notification, or a response from the client: nothing at all.
Everything the server writes is checked as well-formed JSON-RPC by the client's reader thread."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from tests.servers import server_environ

from .rawclient import RawClient

ID = object()  # where a case's unique id goes

# Methods both doors know, methods only one knows, LSP methods, and junk. Left out on purpose: `exit` and `shutdown`
# (they end the process; tested apart), and a valid session/new in a real directory (see `not_a_dir`).
KNOWN_METHODS = [
    "session/new", "session/load", "session/resume", "session/list", "session/close", "session/delete",
    "session/prompt", "session/cancel", "session/set_mode", "session/set_config_option", "_tandem/info",
    "_tandem/review/list", "_tandem/review/revert", "_tandem/rewind", "_tandem/inlineEdit", "initialize",
    "authenticate", "fs/read_text_file", "session/request_permission", "session/update", "$/cancel_request",
]
LSP_METHODS = [
    "initialized", "textDocument/didOpen", "textDocument/didChange", "textDocument/didClose", "textDocument/didSave",
    "textDocument/codeLens", "textDocument/codeAction", "textDocument/hover", "workspace/executeCommand",
    "$/cancelRequest", "$/setTrace", "workspace/didChangeConfiguration", "window/workDoneProgress/cancel",
]
KEYS = ["sessionId", "cwd", "prompt", "mcpServers", "modeId", "configId", "value", "textDocument", "uri", "text",
        "command", "arguments", "id", "turn", "path", "hunkIds", "range", "instruction", "contentChanges", "jsonrpc",
        "type", "_meta", "requestId", "protocolVersion"]

# session ids the strategies can use: filled with real ones once the server has sessions
KNOWN_SESSIONS: list[str] = ["ses_00000000000000000000"]


def not_a_dir(text: Any) -> bool:
    """A drawn cwd must not be a real directory: a session on `/` would watch the whole disk."""
    if not isinstance(text, str):
        return True
    try:
        return not os.path.isdir(text)
    except (ValueError, OSError):
        return True


scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70),
                    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=20))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)
session_ids = st.one_of(st.sampled_from(range(4)).map(lambda i: KNOWN_SESSIONS[i % len(KNOWN_SESSIONS)]),
                        st.text(max_size=30))
huge_strings = st.sampled_from([1_000, 10_000, 100_000, 1_000_000]).map(lambda n: "x" * n)
odd_strings = st.sampled_from(["", "\u0000", "\U0001F600", "\u202e", "..", "../../etc/passwd", "file:///nonexistent/x",
                               "%00", "\\", "\r\n\r\n", "Content-Length: 5\r\n\r\n{}", "/nonexistent"])
values = st.one_of(json_values, odd_strings, session_ids)
# a drawn cwd is never a real directory: a session on `/` would (rightly) watch the whole disk
params_like = st.fixed_dictionaries({}, optional={k: values.filter(not_a_dir) if k == "cwd" else values
                                                  for k in KEYS})
params = st.one_of(st.just(None), json_values, params_like,
                   st.builds(lambda sid, p: {**p, "sessionId": sid}, session_ids, params_like))


@dataclass
class Case:
    body: Any  # a dict with ID where the id goes, or bytes sent as they are
    expect: str  # answer | null | none
    kind: str  # for the report


def _message(method: Any, p: Any, extra: dict[str, Any], msg_id: Any = ID) -> dict[str, Any]:
    message: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
    if msg_id is not None:
        message["id"] = msg_id
    if p is not None:
        message["params"] = p
    message.update(extra)
    return message


methods = st.one_of(st.sampled_from(KNOWN_METHODS + LSP_METHODS), st.text(max_size=30))
extras = st.dictionaries(st.sampled_from(["extra", "meta", "ID", "Method", "params2"]), json_values, max_size=2)

requests = st.builds(lambda m, p, x: Case(_message(m, p, x), "answer", "request"), methods, params, extras)
requests_without_params = st.builds(lambda m: Case({"jsonrpc": "2.0", "id": ID, "method": m}, "answer",
                                                   "request without params"), methods)
requests_with_huge_strings = st.builds(
    lambda m, key, s: Case(_message(m, {key: s}, {}), "answer", "huge string"),
    st.sampled_from(["_tandem/info", "session/new", "session/prompt", "textDocument/codeLens", "no/such"]),
    st.sampled_from(KEYS), huge_strings)
wrong_version = st.builds(lambda m, v, p: Case({"jsonrpc": v, "id": ID, "method": m, "params": p}, "answer",
                                               "wrong jsonrpc"),
                          methods, st.one_of(st.just("1.0"), st.just(2), st.none(), st.text(max_size=4)
                                             .filter(lambda v: v != "2.0")), params)
method_not_string = st.builds(lambda m, p: Case({"jsonrpc": "2.0", "id": ID, "method": m, "params": p}, "answer",
                                                "method not a string"),
                              json_values.filter(lambda v: not isinstance(v, str)), params)
bad_ids = st.one_of(st.none(), st.booleans(), st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: f != int(f)),
                    st.lists(scalars, max_size=2), st.dictionaries(st.text(max_size=3), scalars, max_size=2))
requests_with_bad_ids = st.builds(lambda i, m, p: Case({"jsonrpc": "2.0", "id": i, "method": m, "params": p}, "null",
                                                       "bad id"),
                                  bad_ids, st.one_of(st.sampled_from(KNOWN_METHODS), st.text(max_size=10)), params)
notifications = st.builds(lambda m, p: Case(_message(m, p, {}, msg_id=None), "none", "notification"),
                          methods, params)
client_responses = st.builds(
    lambda i, which, v: Case({"jsonrpc": "2.0", "id": i, which: v}, "none", "client response"),
    st.one_of(st.integers(min_value=10**12), st.text(max_size=8).map(lambda s: "r-" + s)),
    st.sampled_from(["result", "error"]), json_values)
not_messages = st.builds(lambda v: Case(json.dumps(v).encode(), "null", "not a message"),
                         st.one_of(scalars, st.lists(json_values, max_size=4),
                                   st.dictionaries(st.text(max_size=8).filter(lambda k: k != "jsonrpc"), json_values,
                                                   max_size=4),
                                   st.fixed_dictionaries({"jsonrpc": st.just("2.0")},
                                                         optional={"params": json_values})))
batches = st.builds(lambda items: Case(json.dumps(items).encode(), "null", "batch"),
                    st.lists(st.builds(lambda m, p: {"jsonrpc": "2.0", "id": 1, "method": m, "params": p},
                                       methods, json_values), max_size=5))


def _broken(text: str, cut: int) -> bytes:
    data = text.encode("utf-8", "surrogatepass")
    return data[:max(1, min(cut, len(data) - 1))]


truncated = st.builds(lambda m, cut: Case(_broken(json.dumps(m), cut), "null", "truncated JSON"),
                      st.builds(lambda m, p: {"jsonrpc": "2.0", "id": 7, "method": m, "params": p}, methods, params),
                      st.integers(min_value=1, max_value=400))
junk = st.builds(lambda b: Case(b, "null", "junk bytes"),  # one line: no newline in it (NDJSON would split it)
                 st.binary(min_size=1, max_size=200).filter(lambda b: b.strip() and b"\n" not in b
                                                            and not _is_json(b)))
deep = st.builds(lambda n, kind: Case((b"[" * n + b"]" * n) if kind else (b'{"a":' * n + b"1" + b"}" * n), "null",
                                      "deep nesting"),
                 st.sampled_from([2_000, 20_000, 200_000]), st.booleans())
lone_surrogates = st.builds(lambda m, s: Case(b'{"jsonrpc":"2.0","id":5,"method":"%s","params":{"text":"\\%s"}}'
                                              % (m.encode(), s.encode()), "null", "lone surrogate"),
                            st.sampled_from(["_tandem/info", "session/prompt"]), st.sampled_from(["ud800", "udc00"]))


def _is_json(data: bytes) -> bool:
    try:
        json.loads(data)
        return True
    except ValueError:
        return False


WEIGHTED = [(requests, 8), (requests_without_params, 2), (requests_with_huge_strings, 1), (wrong_version, 2),
            (method_not_string, 2), (requests_with_bad_ids, 3), (notifications, 6), (client_responses, 2),
            (not_messages, 3), (batches, 3), (truncated, 3), (junk, 2), (deep, 1), (lone_surrogates, 1)]
_cases = st.one_of(*[strategy for strategy, weight in WEIGHTED for _ in range(weight)])


@st.composite
def cases(draw: Any) -> Case:
    """One fuzz case (a short name: the strategy's own repr runs to tens of kilobytes)."""
    return draw(_cases)


@dataclass
class Fuzzer:
    """Sends cases pipelined and checks, at each checkpoint, that the server answered what it had to."""

    client: RawClient
    cwd: str
    checkpoint_every: int = 500
    sent: int = 0
    expected: dict[str, str] = field(default_factory=dict)  # id -> kind, for "answer" cases
    expected_null: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    rss: list[float] = field(default_factory=list)
    probe_times: list[float] = field(default_factory=list)
    bytes_sent: int = 0

    def __post_init__(self) -> None:
        self.client.keep_sequence = False

    def send(self, case: Case) -> None:
        body = case.body
        if isinstance(body, dict):
            body = dict(body)
            if body.get("id") is ID:
                body["id"] = f"fz-{self.sent}"
            data = json.dumps(body).encode("utf-8", "surrogatepass")
        else:
            data = body
        if case.expect == "answer":
            self.expected[f"fz-{self.sent}"] = case.kind
        elif case.expect == "null":
            self.expected_null += 1
        self.kinds[case.kind] = self.kinds.get(case.kind, 0) + 1
        self.client.send(data)
        self.bytes_sent += len(data)
        self.sent += 1
        if self.sent % self.checkpoint_every == 0:
            self.checkpoint()

    def checkpoint(self) -> None:
        """The server still serves: a probe is answered (a new session every other time)."""
        started = time.monotonic()
        if (self.sent // self.checkpoint_every) % 2:
            result = self.client.result("session/new", {"cwd": self.cwd, "mcpServers": []}, timeout=60)
            KNOWN_SESSIONS.append(result["sessionId"])
        else:
            assert self.client.result("_tandem/info", {}, timeout=60)["version"]
        self.probe_times.append(time.monotonic() - started)
        assert not self.client.violations, self.client.violations[:5]
        assert self.client.alive
        self.rss.append(self.client.rss_mib())

    def settle(self, timeout: float = 60) -> None:
        """Wait until every case that must be answered is; then the books must balance."""
        client = self.client
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with client.cond:
                missing = [i for i in self.expected if json.dumps(i) not in client.responses]
                nulls = len(client.null_errors)
            if not missing and nulls >= self.expected_null:
                break
            time.sleep(0.05)
        with client.cond:
            missing = {i: self.expected[i] for i in self.expected if json.dumps(i) not in client.responses}
            doubled = {k: v for k, v in client.responses.items() if len(v) > 1}
            stray = [k for k in client.responses if k.startswith('"fz-') and json.loads(k) not in self.expected]
            nulls = len(client.null_errors)
        assert not missing, f"{len(missing)} requests never answered, e.g. {list(missing.items())[:5]}"
        assert not doubled, f"answered twice: {list(doubled)[:5]}"
        assert not stray, f"answers to messages that must not be answered by id: {stray[:5]}"
        if nulls != self.expected_null:
            from collections import Counter

            seen = Counter(e["error"]["message"].split(":")[0][:40] for e in client.null_errors)
            raise AssertionError(f"{nulls} id-null errors for {self.expected_null} unanswerable messages: "
                                 f"errors {dict(seen)}; cases {self.kinds}")


def warm_up(client: RawClient, cwd: Any) -> None:
    """A session and one turn: the model client is imported and warm, so what memory does next is the fuzzing's."""
    session = client.result("session/new", {"cwd": str(cwd), "mcpServers": []}, timeout=60)["sessionId"]
    KNOWN_SESSIONS.append(session)
    prompt = {"sessionId": session, "prompt": [{"type": "text", "text": "hi"}]}
    assert client.result("session/prompt", prompt, timeout=60)["stopReason"] == "end_turn"


def fuzz_home(home: Path, base_url: str) -> tuple[dict[str, str], Path]:
    """A fuzzed server's environment (none of the developer's TANDEM_ settings, one retry at most) and its
    workspace, both under `home`."""
    workspace = home / "project"
    workspace.mkdir()
    (workspace / "README.md").write_text("# fuzz\n")
    return server_environ(home, base_url, drop=("ANTHROPIC_", "TANDEM_"), TANDEM_RETRY_BUDGET="1"), workspace


@contextmanager
def fuzzing(client: RawClient, cwd: Path, stop: Callable[[], int | None], stderr: Path,
            checkpoint_every: int = 500) -> Iterator[Fuzzer]:
    """A Fuzzer on an initialized client, after a warm-up turn and two checkpoints (the second is the memory
    baseline); afterwards the server must end cleanly (`stop()` returns 0; else its stderr's tail is shown)."""
    fuzz = Fuzzer(client, str(cwd), checkpoint_every=checkpoint_every)
    warm_up(client, cwd)
    fuzz.checkpoint()
    fuzz.checkpoint()
    yield fuzz
    code = stop()
    assert code == 0, stderr.read_text()[-3000:]


def books_balance(fuzzer: Fuzzer, door: str, rss_growth_mib: float) -> None:
    """After the fuzzing: every message got exactly what it should, the server still serves, and its memory grew
    by less than `rss_growth_mib` over the baseline."""
    fuzzer.checkpoint()
    fuzzer.settle()
    baseline, peak = fuzzer.rss[1], max(fuzzer.rss)
    print(" ".join(f"{r:.0f}" for r in fuzzer.rss))
    print(f"\n{door}: fuzzed {fuzzer.sent} messages ({fuzzer.bytes_sent / 2**20:.1f} MiB): "
          f"{sorted(fuzzer.kinds.items())}; RSS {baseline:.1f} -> peak {peak:.1f} MiB; "
          f"slowest probe {max(fuzzer.probe_times) * 1e3:.0f} ms")
    assert peak - baseline < rss_growth_mib
    assert fuzzer.client.alive
