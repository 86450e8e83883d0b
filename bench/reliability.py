"""The reliability benchmark: memory per idle session, memory over a 500-turn session, latency with 20 sessions
streaming at once, watcher latency, and Grep against raw ripgrep."""

# Run: .venv/bin/python bench/reliability.py [--quick]. Prints a Markdown table and writes it to
# bench/results/reliability.md (and .json). Reuses bench/core.py's raw LSP client, memory and percentile helpers, and
# its way of timing a delta: from the fake API writing it (perf_counter, CLOCK_MONOTONIC) to the client reading the
# chunk that carries it. Every floor runs in the same run, on the same machine, against the same fake API.

from __future__ import annotations

import argparse
import asyncio
import bisect
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]  # core and peers; the long session's scripted model from tests/

import core
from floor_sdk_client import text_marks
from peers import environments
from tandem.agent.fake_api import FakeAnthropic, Reply

from tests.reliability.long_session import COMPACT_AT, new_state, responder

RESULTS = HERE / "results"
TANDEM = core.TANDEM
SETTLE = 0.5  # s before reading RSS


@dataclass(frozen=True)
class Plan:
    idle_sessions: int
    turns: int
    stream_runs: int
    stream_deltas: int  # per session
    watcher_writes: int
    grep_files: int
    grep_runs: int


FULL = Plan(idle_sessions=100, turns=500, stream_runs=5, stream_deltas=500, watcher_writes=60, grep_files=20_000,
            grep_runs=11)
QUICK = Plan(idle_sessions=20, turns=120, stream_runs=1, stream_deltas=200, watcher_writes=15, grep_files=20_000,
             grep_runs=3)
STREAMS = 20
PACED_DELAY = 0.0015  # s between events of one stream, as bench/core.py paces its latency runs


# ---- row 1: memory per additional idle session --------------------------------------------------------------------


async def bench_idle(plan: Plan, env: dict[str, str], workspace: Path, stderr: Any) -> dict[str, float]:
    client, _ = await core.LspClient.spawn(TANDEM, env, workspace, stderr)
    try:
        first = await client.request("session/new", {"cwd": str(workspace), "mcpServers": []})
        await client.request("session/prompt", {"sessionId": first["sessionId"],
                                                "prompt": [{"type": "text", "text": "warm up"}]})
        for _ in range(3):  # the code paths of session/new taken once more
            await client.request("session/new", {"cwd": str(workspace), "mcpServers": []})
        await asyncio.sleep(SETTLE)
        before = core.rss_mib(client.pid)
        for _ in range(plan.idle_sessions):
            await client.request("session/new", {"cwd": str(workspace), "mcpServers": []})
        await asyncio.sleep(SETTLE)
        after = core.rss_mib(client.pid)
    finally:
        await client.close()
    return {"before": before, "after": after, "per_session": (after - before) / plan.idle_sessions}


# ---- row 2: a long session ----------------------------------------------------------------------------------------


async def bench_long(plan: Plan, fake: FakeAnthropic, env: dict[str, str], workspace: Path,
                     stderr: Any) -> dict[str, Any]:
    state = new_state(str(workspace / "README.md"))
    fake.responder = responder(state)
    client, _ = await core.LspClient.spawn(TANDEM, {**env, "TANDEM_COMPACT_AT_TOKENS": str(COMPACT_AT)}, workspace,
                                           stderr)
    samples: list[float] = []
    warm = 60 if plan.turns >= 120 else plan.turns // 2
    try:
        sid = (await client.request("session/new", {"cwd": str(workspace), "mcpServers": []}))["sessionId"]
        started = time.perf_counter()
        for n in range(1, plan.turns + 1):
            state["turn"] = n
            result = await client.request("session/prompt", {"sessionId": sid, "prompt": [
                {"type": "text", "text": f"Step {n}: carry on with the rename."}]})
            if result.get("stopReason") != "end_turn":
                raise RuntimeError(f"turn {n}: {result}")
            client.chunks, client.chunk_chars = [], 0  # the client's own lists stay small
            if n % 10 == 0:
                samples.append(core.rss_mib(client.pid))
        took = time.perf_counter() - started
    finally:
        fake.responder = None
        await client.close()
    at_warm = samples[warm // 10 - 1]
    return {"turns": plan.turns, "warm_turn": warm, "rss_at_warm": at_warm, "rss_max_after": max(samples[warm // 10:]),
            "growth": max(samples[warm // 10:]) - at_warm, "rss_samples": samples, "compactions": state["summaries"],
            "context_errors": state["too_long"], "ms_per_turn": took / plan.turns * 1e3}


# ---- row 3: twenty sessions streaming at once ----------------------------------------------------------------------


class TaggedLog(list):
    """The fake's event log, each entry tagged with the stream it belongs to (the connection task serving it)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: dict[Any, str] = {}

    def append(self, item: tuple[float, int]) -> None:
        super().append((*item, self.tags.get(asyncio.current_task(), "?")))


class TaggedFake(FakeAnthropic):
    """FakeAnthropic whose event log says which stream each text delta belongs to: the reply's first word."""

    def __init__(self) -> None:
        super().__init__(event_log=True)
        self.event_log = TaggedLog()

    async def _stream(self, writer: Any, message: dict[str, Any], reply: Reply, fault: Any) -> bool:
        log = self.event_log
        text = next((b.text for b in reply.blocks if hasattr(b, "text")), "")
        if isinstance(log, TaggedLog):
            log.tags[asyncio.current_task()] = text.split(" ", 1)[0]
        try:
            return await super()._stream(writer, message, reply, fault)
        finally:
            if isinstance(log, TaggedLog):
                log.tags.pop(asyncio.current_task(), None)


class SessionClient(core.LspClient):
    """bench/core.py's client, keeping each session's chunk arrivals apart."""

    def __init__(self) -> None:
        super().__init__()
        self.by_session: dict[str, list[tuple[float, int]]] = {}
        self.chars: dict[str, int] = {}

    def _dispatch(self, message: dict[str, Any], now: float) -> None:
        params = message.get("params") or {}
        update = params.get("update") if message.get("method") == "session/update" else None
        if update is not None and update.get("sessionUpdate") == "agent_message_chunk":
            sid = params["sessionId"]
            self.chars[sid] = self.chars.get(sid, 0) + len(update["content"].get("text", ""))
            self.by_session.setdefault(sid, []).append((now, self.chars[sid]))
            return
        super()._dispatch(message, now)


def stream_text(tag: str, deltas: int) -> str:
    return tag + " " + core.text_of(deltas)[len(tag) + 1:]


def latencies(writes: list[tuple[float, int, str]], marks: dict[str, list[tuple[float, int]]]) -> list[float]:
    """Per delta: arrival of the first chunk of its stream that carries its last character, minus its write."""
    out = []
    for wrote, chars, tag in writes:
        stream = marks.get(tag)
        if not stream:
            raise RuntimeError(f"stream {tag} never arrived")
        received = [c for _, c in stream]
        out.append(stream[bisect.bisect_left(received, chars)][0] - wrote)
    return out


async def bench_streams(plan: Plan, fake: TaggedFake, env: dict[str, str], workspace: Path,
                        stderr: Any) -> dict[str, Any]:
    tags = [f"s{i:02d}" for i in range(STREAMS)]
    texts = {tag: stream_text(tag, plan.stream_deltas) for tag in tags}
    fake.responder = lambda body: Reply.text(texts[body["messages"][-1]["content"][0]["text"]],
                                             chunk=core.DELTA_CHARS, delay=PACED_DELAY)
    _, client = await asyncio.get_running_loop().subprocess_exec(
        SessionClient, *TANDEM, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=stderr,
        env=env, cwd=workspace)
    floor = await FloorStreams.start(fake, env, stderr)
    cpu: dict[str, list[float]] = {"tandem": [], "floor": []}  # µs of the consuming process per delta
    tandem_lat: list[list[float]] = []  # per run: a stall of the machine in one run should not decide the row
    floor_lat: list[list[float]] = []
    single_lat: list[list[float]] = []
    try:
        await client.request("initialize", {"processId": os.getpid(), "rootUri": workspace.as_uri(),
                                            "capabilities": {}, "initializationOptions": {"acp": {
                                                "protocolVersion": 1}}})
        client.notify("initialized", {})
        sids = [(await client.request("session/new", {"cwd": str(workspace), "mcpServers": []}))["sessionId"]
                for _ in tags]
        await _run_streams(client, fake, sids[:1], tags[:1])  # warm-up: the SDK imported, a connection open
        await floor.run(fake, tags[:1])
        for run in range(plan.stream_runs):
            order = ("tandem", "floor", "single") if run % 2 == 0 else ("single", "floor", "tandem")
            for side in order:
                if side == "tandem":
                    before = core.cpu_seconds(client.pid)
                    writes, marks = await _run_streams(client, fake, sids, tags)
                    cpu["tandem"].append((core.cpu_seconds(client.pid) - before) / len(writes) * 1e6)
                    tandem_lat.append(sorted(latencies(writes, marks)))
                elif side == "single":
                    writes, marks = await _run_streams(client, fake, sids[:1], tags[:1])
                    single_lat.append(sorted(latencies(writes, marks)))
                else:
                    before = core.cpu_seconds(floor.proc.pid)
                    writes, marks = await floor.run(fake, tags)
                    cpu["floor"].append((core.cpu_seconds(floor.proc.pid) - before) / len(writes) * 1e6)
                    floor_lat.append(sorted(latencies(writes, marks)))
    finally:
        fake.responder = None
        await floor.close()
        await client.close()
    return {"tandem": tandem_lat, "floor": floor_lat, "single": single_lat, "cpu_us": cpu}


async def _run_streams(client: SessionClient, fake: TaggedFake, sids: list[str], tags: list[str]):
    fake.event_log.clear()
    client.by_session, client.chars = {}, {}
    results = await asyncio.gather(*[
        client.request("session/prompt", {"sessionId": sid, "prompt": [{"type": "text", "text": tag}]})
        for sid, tag in zip(sids, tags)])
    if any(r.get("stopReason") != "end_turn" for r in results):
        raise RuntimeError(f"streams: {results}")
    marks = {tag: client.by_session[sid] for sid, tag in zip(sids, tags)}
    return list(fake.event_log), marks


class FloorStreams:
    """The floor: the anthropic SDK alone in its own process, consuming the same 20 streams at once."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    @classmethod
    async def start(cls, fake: FakeAnthropic, env: dict[str, str], stderr: Any) -> FloorStreams:
        proc = await asyncio.create_subprocess_exec(sys.executable, __file__, "--floor-sdk", fake.base_url, env=env,
                                                    stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                                                    stderr=stderr, limit=1 << 26)
        return cls(proc)

    async def run(self, fake: TaggedFake, tags: list[str]):
        assert self.proc.stdin is not None and self.proc.stdout is not None
        fake.event_log.clear()
        self.proc.stdin.write((json.dumps(tags) + "\n").encode())
        await self.proc.stdin.drain()
        line = await asyncio.wait_for(self.proc.stdout.readline(), core.WAIT)
        if not line:
            raise RuntimeError("the SDK floor exited")
        marks = {tag: [(t, n) for t, n in m] for tag, m in json.loads(line).items()}
        return list(fake.event_log), marks

    async def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            await asyncio.wait_for(self.proc.wait(), 5)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()


async def floor_sdk_main(base_url: str) -> None:
    """Child process: for each JSON list of tags on stdin, stream one request per tag at once (as AnthropicModel
    makes the call) and answer {tag: [[perf_counter, text length so far], ...]}."""
    import anthropic

    client = anthropic.AsyncAnthropic(base_url=base_url, api_key="bench", max_retries=0, timeout=120)

    def one(tag: str) -> Any:
        return text_marks(client, anthropic, [{"type": "text", "text": tag}])

    loop = asyncio.get_running_loop()
    while line := await loop.run_in_executor(None, sys.stdin.readline):
        tags = json.loads(line)
        results = await asyncio.gather(*[one(tag) for tag in tags])
        sys.stdout.write(json.dumps(dict(zip(tags, results))) + "\n")
        sys.stdout.flush()
    await client.close()


# ---- row 4: watcher latency -----------------------------------------------------------------------------------------


class _QuietChannel:
    def send_update(self, session_id: str, update: Any) -> None:
        pass

    async def request_permission(self, request: Any) -> None:
        return None

    async def write_open_buffer(self, path: Path, new_text: str, old_text: str | None) -> bool:
        return False


async def bench_watcher(plan: Plan, workspace: Path) -> list[float]:
    """A file written on disk (by another program) to the agent reading its new text, through the session's own
    workspace watcher (AgentService.disk_listeners)."""
    from tandem.service import AgentService
    from tandem_protocol import NewSessionRequest

    service = AgentService(_QuietChannel())
    seen: dict[str, asyncio.Future[float]] = {}
    created = await service.new_session(NewSessionRequest(cwd=str(workspace), mcp_servers=[]))
    session = service.sessions[created.session_id]
    expected: dict[str, str] = {}

    def listener(path: str) -> None:
        future = seen.get(path)
        if future is not None and not future.done() and session.workspace.read_text(path) == expected.get(path):
            future.set_result(time.perf_counter())

    service.disk_listeners.append(listener)
    target = workspace / "src" / "watched.py"
    target.parent.mkdir(exist_ok=True)
    out: list[float] = []
    try:
        for n in range(plan.watcher_writes + 3):  # the first writes also wait for the watcher to be running
            text = f"VALUE = {n}\n" * (1 + n % 7)
            expected[str(target)] = text
            seen[str(target)] = asyncio.get_running_loop().create_future()
            started = time.perf_counter()
            target.write_text(text)
            try:
                arrived = await asyncio.wait_for(seen[str(target)], 5)
            except TimeoutError:
                continue
            if n >= 3:
                out.append(arrived - started)
            await asyncio.sleep(0.12)  # apart, so each write is its own change (the watcher debounces 200 ms)
    finally:
        await service.shutdown()
    if len(out) < plan.watcher_writes // 2:
        raise RuntimeError(f"the watcher saw {len(out)} of {plan.watcher_writes} writes")
    return sorted(out)


# ---- row 5: Grep on a 20,000-file tree ----------------------------------------------------------------------------


def make_tree(root: Path, files: int) -> None:
    rng = random.Random(7)
    words = ["alpha", "beta", "gamma", "delta", "value", "result", "config", "parse", "render", "index"]
    per_dir = 100
    for d in range(files // per_dir):
        folder = root / f"pkg{d // 20:02d}" / f"mod{d:03d}"
        folder.mkdir(parents=True)
        for f in range(per_dir):
            lines = [f"def {rng.choice(words)}_{i}(x):\n    return x + {i}  # {rng.choice(words)}\n" for i in range(20)]
            if (d * per_dir + f) % 10 == 0:  # 2,000 files with a TODO
                lines[rng.randrange(20)] += "    # TODO: handle the empty case\n"
            if (d * per_dir + f) % 100 == 0:  # 200 with a FIXME: all of them fit in Grep's output cap
                lines[rng.randrange(20)] += "    # FIXME: overflow past 2**31\n"
            (folder / f"file{f:03d}.py").write_text("".join(lines))


class _GrepContext:
    def __init__(self, root: Path) -> None:
        from tandem.workspace import Workspace

        self.workspace = Workspace(root)
        self.session_id, self.tool_call_id = "bench", "bench"
        self.read_files: dict[str, str] = {}

    async def authorize(self, ask: Any) -> Any:
        from tandem.tools.base import Decision

        return Decision(allowed=True)

    def progress(self, **kw: Any) -> None:
        pass


async def bench_grep(plan: Plan, root: Path) -> dict[str, Any]:
    from tandem.tools._rg import COMMON_FLAGS, find_rg
    from tandem.tools.grep import Grep, GrepInput

    tool, ctx, rg = Grep(), _GrepContext(root), find_rg()

    async def raw(pattern: str, extra: list[str]) -> float:
        started = time.perf_counter()
        proc = await asyncio.create_subprocess_exec(rg, "--json", *COMMON_FLAGS, *extra, "-e", pattern, "--", ".",
                                                    cwd=root, stdout=asyncio.subprocess.PIPE,
                                                    stderr=asyncio.subprocess.DEVNULL)
        assert proc.stdout is not None
        while await proc.stdout.read(1 << 16):
            pass
        await proc.wait()
        return time.perf_counter() - started

    async def tandem(inp: GrepInput) -> float:
        started = time.perf_counter()
        result = await tool.run(inp, ctx)
        took = time.perf_counter() - started
        if "No matches" in result.output:
            raise RuntimeError("Grep found nothing")
        return took

    modes = {"files_with_matches": (GrepInput(pattern="TODO"), ["--max-count", "1"]),
             "content": (GrepInput(pattern="FIXME", output_mode="content", head_limit=0), [])}
    out: dict[str, Any] = {}
    for mode, (inp, extra) in modes.items():
        await raw(inp.pattern, extra)
        await tandem(inp)  # warm: the page cache holds the tree
        times: dict[str, list[float]] = {"tandem": [], "rg": []}
        for run in range(plan.grep_runs):
            for side in ("tandem", "rg") if run % 2 == 0 else ("rg", "tandem"):
                times[side].append(await (tandem(inp) if side == "tandem" else raw(inp.pattern, extra)))
        out[mode] = times
    return out


# ---- the table -------------------------------------------------------------------------------------------------------


def table(plan: Plan, idle: dict[str, float], long: dict[str, Any], streams: dict[str, Any], watcher: list[float],
          grep: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    pct = core.percentile
    med = statistics.median
    def runs(side: str, p: float) -> float:  # the median over runs of each run's percentile, in ms
        return med(pct(run, p) for run in streams[side]) * 1e3

    t50, t99, f50, f99, s99 = (runs("tandem", 50), runs("tandem", 99), runs("floor", 50), runs("floor", 99),
                               runs("single", 99))
    w50, w99 = pct(watcher, 50) * 1e3, pct(watcher, 99) * 1e3
    g = {mode: (med(t["tandem"]), med(t["rg"])) for mode, t in grep.items()}

    def ok(met: bool) -> str:
        return "yes" if met else "**no**"

    rows = [
        ("Measure", "Tandem", "Floor", "Tandem vs floor", "Target", "Met"),
        (f"RSS per additional idle session ({plan.idle_sessions} `session/new` after a warm-up)",
         f"{idle['per_session'] * 1024:.0f} KiB", "", f"{idle['before']:.1f} → {idle['after']:.1f} MiB",
         "≤ 1 MiB", ok(idle["per_session"] <= 1.0)),
        (f"RSS growth over a {long['turns']}-turn session (from turn {long['warm_turn']}; "
         f"{long['compactions']} compactions, {long['context_errors']} context errors)",
         f"{long['growth']:+.1f} MiB", "", f"{long['rss_at_warm']:.1f} → max {long['rss_max_after']:.1f} MiB",
         "≤ 20 MiB", ok(long["growth"] <= 20 and long["context_errors"] == 0)),
        (f"{STREAMS} sessions streaming at once: latency per delta p50 (median of {plan.stream_runs} runs of "
         f"{STREAMS} × {plan.stream_deltas} deltas, {PACED_DELAY * 1e3:g} ms apart per stream)", f"{t50:.2f} ms", f"{f50:.2f} ms",
         f"{t50 - f50:+.2f} ms", "", "(info)"),
        (f"{STREAMS} sessions streaming at once: latency per delta p99 (one session alone: {s99:.2f} ms)",
         f"{t99:.2f} ms", f"{f99:.2f} ms", f"{t99 - f99:+.2f} ms", "added ≤ 5 ms", ok(t99 - f99 <= 5)),
        (f"{STREAMS} sessions streaming at once: CPU per delta of the consuming process (Tandem: the whole server)",
         f"{med(streams['cpu_us']['tandem']):.0f} µs", f"{med(streams['cpu_us']['floor']):.0f} µs",
         f"{med(streams['cpu_us']['tandem']) / med(streams['cpu_us']['floor']):.2f}x", "", "(info)"),
        (f"Watcher: file written on disk → the agent reads the new text, p50 ({len(watcher)} writes; p99 "
         f"{w99:.0f} ms)", f"{w50:.0f} ms", "", "", "≤ 50 ms", ok(w50 <= 50)),
        (f"Grep, files_with_matches (2,000 of {plan.grep_files:,} files match; median of {plan.grep_runs}; floor: "
         "`rg --json` read to the end)",
         f"{g['files_with_matches'][0] * 1e3:.0f} ms", f"{g['files_with_matches'][1] * 1e3:.0f} ms",
         f"{g['files_with_matches'][0] / g['files_with_matches'][1]:.2f}x", "≤ 1.2x",
         ok(g["files_with_matches"][0] / g["files_with_matches"][1] <= 1.2)),
        (f"Grep, content mode, all 200 matching lines of {plan.grep_files:,} files", f"{g['content'][0] * 1e3:.0f} ms",
         f"{g['content'][1] * 1e3:.0f} ms", f"{g['content'][0] / g['content'][1]:.2f}x", "≤ 1.2x",
         ok(g["content"][0] / g["content"][1] <= 1.2)),
    ]
    lines = ["| " + " | ".join(row) + " |" for row in rows]
    lines.insert(1, "|---|---:|---:|---:|---|---|")
    figures = {"idle_session_mib": idle["per_session"], "idle": idle, "long_session": long,
               "streams_ms": {"tandem_p50": t50, "tandem_p99": t99, "floor_p50": f50, "floor_p99": f99,
                              "single_p99": s99, "added_p99": t99 - f99, "cpu_us": streams["cpu_us"],
                              "per_run_p99": {side: [pct(run, 99) * 1e3 for run in streams[side]]
                                              for side in ("tandem", "floor", "single")}},
               "watcher_ms": {"p50": w50, "p99": w99, "samples": [x * 1e3 for x in watcher]},
               "grep_s": grep}
    return "\n".join(lines), figures


async def run(plan: Plan, quick: bool, out: Path) -> str:
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="tandem-bench-rel-") as tmp, TaggedFake() as fake:
        root = Path(tmp)
        workspace = root / "project"
        workspace.mkdir()
        (workspace / "README.md").write_text("# Benchmark workspace\n")
        env, _ = environments(root, fake.base_url)
        os.environ.update({k: env[k] for k in ("XDG_STATE_HOME", "XDG_CONFIG_HOME")})  # the in-process service
        tree = root / "tree"
        make_tree(tree, plan.grep_files)
        stderr_path = root / "stderr.log"
        with stderr_path.open("wb") as stderr:
            try:
                idle = await bench_idle(plan, env, workspace, stderr)
                long = await bench_long(plan, fake, env, workspace, stderr)
                streams = await bench_streams(plan, fake, env, workspace, stderr)
                watcher = await bench_watcher(plan, workspace)
                grep = await bench_grep(plan, tree)
            except BaseException:
                sys.stderr.write("children's stderr:\n" + stderr_path.read_text(errors="replace")[-4000:] + "\n")
                raise
        shutil.rmtree(tree, ignore_errors=True)
    body, figures = table(plan, idle, long, streams, watcher, grep)
    text = core.header("Reliability", quick, load) + "\n\n" + body + "\n"
    out.mkdir(parents=True, exist_ok=True)
    (out / "reliability.md").write_text(text)
    (out / "reliability.json").write_text(json.dumps(figures, indent=1) + "\n")
    return text


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--floor-sdk":
        asyncio.run(floor_sdk_main(sys.argv[2]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (a smoke run)")
    parser.add_argument("--out", type=Path, default=RESULTS, help=f"where reliability.md and .json go ({RESULTS})")
    args = parser.parse_args()
    core.need_one_clock("bench/reliability.py")
    print(asyncio.run(run(QUICK if args.quick else FULL, args.quick, args.out)), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
