"""The core benchmark: start-up, memory, streaming rate and per-delta latency of `tandem serve`, each beside a floor."""

# Run: .venv/bin/python bench/core.py [--quick]. Prints a Markdown table and writes it to bench/results/core.md.
# Every floor is measured in the same run, interleaved with Tandem, against the same fake Anthropic API (which runs
# here, on its own thread). Linux only: memory is read from /proc, and times from other processes are compared with
# ours because perf_counter is CLOCK_MONOTONIC, one clock for the whole machine.

from __future__ import annotations

import argparse
import asyncio
import bisect
import itertools
import json
import math
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import msgspec
from peers import environments
from tandem.agent.fake_api import FakeAnthropic, Reply

HERE = Path(__file__).resolve().parent
FLOOR_SERVER = HERE / "floor_pygls_server.py"
FLOOR_SDK = HERE / "floor_sdk_client.py"
RESULTS = HERE / "results"
TANDEM = [sys.executable, "-m", "tandem", "serve"]
FLOOR = [sys.executable, str(FLOOR_SERVER)]
DELTA_CHARS = 4
RSS_SETTLE = 0.3  # s after the initialize response before reading VmRSS: "a moment after", the same for both
WAIT = 60.0  # s: the bound on any one wait for a child process
_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder().decode


@dataclass(frozen=True)
class Plan:
    spawns: int  # measured cold spawns of each server (plus one unmeasured each, to warm the page cache)
    stream_runs: int  # throughput runs of each side
    stream_deltas: int
    paced_runs: int  # latency runs of each side, pooled
    paced_deltas: int
    paced_delay: float  # s between events


FULL = Plan(spawns=15, stream_runs=5, stream_deltas=20_000, paced_runs=2, paced_deltas=2_000, paced_delay=0.0015)
QUICK = Plan(spawns=3, stream_runs=1, stream_deltas=5_000, paced_runs=1, paced_deltas=300, paced_delay=0.0015)


# ---- a raw LSP client: Content-Length frames over asyncio pipes -------------------------------------------------


class LspClient(asyncio.SubprocessProtocol):
    """Just enough of an LSP client to time things: requests, and the arrival of each agent_message_chunk.

    A protocol rather than StreamReaders: the arrival time is taken in the callback that read the bytes, before any
    parsing or task switch, so the client's own cost stays out of the figures as far as it can."""

    def __init__(self) -> None:
        self.transport: asyncio.SubprocessTransport | None = None
        self.chunks: list[tuple[float, int]] = []  # (arrival, message text received so far) per chunk
        self.chunk_chars = 0
        self._buffer = bytearray()
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[tuple[Any, float]]] = {}
        self._exited = asyncio.get_running_loop().create_future()

    @classmethod
    async def spawn(cls, argv: list[str], env: dict[str, str], cwd: Path, stderr: Any) -> tuple[LspClient, float]:
        """Start a server and initialize it; returns the client and the seconds from spawn to the response read."""
        started = time.perf_counter()
        _, client = await asyncio.get_running_loop().subprocess_exec(
            cls, *argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=stderr, env=env, cwd=cwd)
        params = {"processId": os.getpid(), "rootUri": cwd.as_uri(), "capabilities": {"workspace": {"applyEdit": True}},
                  "initializationOptions": {"acp": {"protocolVersion": 1}}}
        try:
            _, arrived = await client.call("initialize", params)
        except BaseException:
            client.kill()
            raise
        client.notify("initialized", {})
        return client, arrived - started

    # -- asyncio.SubprocessProtocol --

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def pipe_data_received(self, fd: int, data: bytes) -> None:
        now = time.perf_counter()
        self._buffer += data
        while (end := self._buffer.find(b"\r\n\r\n")) >= 0:
            length = next(int(line.split(b":", 1)[1]) for line in bytes(self._buffer[:end]).split(b"\r\n")
                          if line.lower().startswith(b"content-length:"))
            if len(self._buffer) < end + 4 + length:
                break
            body = bytes(self._buffer[end + 4:end + 4 + length])
            del self._buffer[:end + 4 + length]
            self._dispatch(_decode(body), now)

    def pipe_connection_lost(self, fd: int, exc: Exception | None) -> None:
        if fd == 1:
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(ConnectionError("the server's output ended"))

    def process_exited(self) -> None:
        if not self._exited.done():
            self._exited.set_result(None)

    # -- requests and notifications --

    @property
    def pid(self) -> int:
        assert self.transport is not None
        return self.transport.get_pid()

    def _send(self, message: dict[str, Any]) -> None:
        assert self.transport is not None
        body = _encode(message)
        stdin = self.transport.get_pipe_transport(0)
        assert isinstance(stdin, asyncio.WriteTransport)
        stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))

    def notify(self, method: str, params: Any) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    async def call(self, method: str, params: Any, timeout: float = WAIT) -> tuple[Any, float]:
        """A request; returns its result and when the response was read."""
        msg_id = next(self._ids)
        future = asyncio.get_running_loop().create_future()
        self._pending[msg_id] = future
        self._send({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
        try:
            return await asyncio.wait_for(future, timeout)
        finally:
            self._pending.pop(msg_id, None)

    async def request(self, method: str, params: Any, timeout: float = WAIT) -> Any:
        return (await self.call(method, params, timeout))[0]

    def _dispatch(self, message: dict[str, Any], now: float) -> None:
        method = message.get("method")
        if method is None:  # a response
            future = self._pending.get(message.get("id"))  # type: ignore[arg-type]
            if future is not None and not future.done():
                if "error" in message:
                    future.set_exception(RuntimeError(f"error response: {message['error']}"))
                else:
                    future.set_result((message.get("result"), now))
        elif "id" in message:  # a request from the server: nothing here answers one for real
            self._send({"jsonrpc": "2.0", "id": message["id"],
                        "error": {"code": -32601, "message": f"the benchmark client does not handle {method}"}})
        elif method == "session/update":
            update = message["params"]["update"]
            if update.get("sessionUpdate") == "agent_message_chunk":
                self.chunk_chars += len(update["content"].get("text", ""))
                self.chunks.append((now, self.chunk_chars))

    def kill(self) -> None:
        assert self.transport is not None
        if self.transport.get_returncode() is None:
            self.transport.kill()

    async def close(self) -> None:
        """shutdown and exit, as an editor does; killed if that takes more than a few seconds."""
        try:
            await self.request("shutdown", None, timeout=5)
            self.notify("exit", None)
            await asyncio.wait_for(asyncio.shield(self._exited), 5)
        except (Exception, asyncio.TimeoutError):
            self.kill()
            await asyncio.wait_for(asyncio.shield(self._exited), 5)
        assert self.transport is not None
        self.transport.close()


def cpu_seconds(pid: int) -> float:
    """CPU time of a process's live threads (ns precision): less sensitive to a busy machine than wall time."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as schedstat:
                total += int(schedstat.read().split()[0])
        except FileNotFoundError:  # the thread ended meanwhile
            pass
    return total / 1e9


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


# ---- rows 1 and 2: spawn to initialize, idle memory -------------------------------------------------------------


async def bench_spawn(plan: Plan, env: dict[str, str], workspace: Path, stderr: Any) -> dict[str, Any]:
    servers = {"tandem": TANDEM, "floor": FLOOR}
    seconds: dict[str, list[float]] = {name: [] for name in servers}
    rss: dict[str, list[float]] = {name: [] for name in servers}
    for round_ in range(plan.spawns + 1):
        # alternate who goes first, so a drift in the machine's load does not favour one side
        for name in servers if round_ % 2 == 0 else reversed(servers):
            client, took = await LspClient.spawn(servers[name], env, workspace, stderr)
            await asyncio.sleep(RSS_SETTLE)
            mib = rss_mib(client.pid)
            await client.close()
            if round_:  # the first round only warms the page cache and bytecode
                seconds[name].append(took)
                rss[name].append(mib)
    return {"seconds": seconds, "rss": rss}


# ---- rows 3 and 4: streaming through Tandem and through the SDK alone --------------------------------------------


@dataclass
class Stream:
    start: float  # when the request was sent
    marks: list[tuple[float, int]]  # (arrival, text received so far)
    writes: list[tuple[float, int]]  # (fake wrote it, text written so far), per text delta
    cpu: float  # CPU seconds the consuming process spent on this stream

    def rate(self, deltas: int) -> float:
        """Deltas a second between the first and the last arrival (the first arrival's own deltas left out)."""
        (first, first_chars), (last, _) = self.marks[0], self.marks[-1]
        return (deltas - first_chars / DELTA_CHARS) / (last - first)

    def end_to_end(self, deltas: int) -> float:
        return deltas / (self.marks[-1][0] - self.start)

    def latencies(self) -> list[float]:
        """Per delta: arrival of the first message that carries its last character, minus when the fake wrote it."""
        received = [chars for _, chars in self.marks]
        return [self.marks[bisect.bisect_left(received, chars)][0] - wrote for wrote, chars in self.writes]


class ChildSide:
    """A consumer in its own process, like the fake's real clients: one stream per line written to it, answered by
    one JSON line {"start", "marks", "cpu"} (or {"error"}). Its first line is {"pid"}, once it is ready."""

    def __init__(self, proc: asyncio.subprocess.Process, fake: FakeAnthropic, pid: int) -> None:
        self.proc, self.fake, self.pid = proc, fake, pid

    @classmethod
    async def start(cls, argv: list[str], fake: FakeAnthropic, env: dict[str, str], stderr: Any) -> ChildSide:
        proc = await asyncio.create_subprocess_exec(*argv, env=env, stdin=asyncio.subprocess.PIPE,
                                                    stdout=asyncio.subprocess.PIPE, stderr=stderr, limit=1 << 26)
        try:
            ready = await cls._line(proc)
        except BaseException:
            proc.kill()
            await proc.wait()
            raise
        return cls(proc, fake, ready["pid"])

    @staticmethod
    async def _line(proc: asyncio.subprocess.Process) -> dict[str, Any]:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), WAIT)
        data = json.loads(line) if line else {"error": "exited"}
        if "error" in data:
            raise RuntimeError(f"{proc.pid}: {data['error']}")
        return data

    async def run(self, reply: Reply, chars: int) -> Stream:
        assert self.proc.stdin is not None and self.fake.event_log is not None
        self.fake.enqueue(reply)
        self.fake.event_log.clear()
        self.proc.stdin.write(b"%d\n" % chars)
        await self.proc.stdin.drain()
        data = await self._line(self.proc)
        marks = [(t, n) for t, n in data["marks"]]
        if not marks or marks[-1][1] != chars:
            raise RuntimeError(f"{self.proc.pid}: {marks[-1][1] if marks else 0} of {chars} characters arrived")
        return Stream(data["start"], marks, list(self.fake.event_log), data["cpu"])

    async def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            await asyncio.wait_for(self.proc.wait(), 15)
        except asyncio.TimeoutError:
            self.proc.kill()
            await self.proc.wait()


async def drive_tandem(workspace: Path) -> None:
    """`core.py --drive`: the client side of `tandem serve` for the streaming rows, in a process of its own so that
    its arrival times never wait for the fake's thread (the GIL) in the parent; ChildSide speaks to it."""
    client, _ = await LspClient.spawn(TANDEM, dict(os.environ), workspace, sys.stderr)
    loop = asyncio.get_running_loop()

    def answer(data: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(data) + "\n")
        sys.stdout.flush()

    try:
        answer({"pid": client.pid})
        while await loop.run_in_executor(None, sys.stdin.readline):
            session = await client.request("session/new", {"cwd": str(workspace), "mcpServers": []})
            client.chunks, client.chunk_chars = [], 0
            cpu = cpu_seconds(client.pid)
            start = time.perf_counter()
            # the chunks go down the same pipe before the response, so they have all arrived when it does
            result = await client.request("session/prompt", {"sessionId": session["sessionId"],
                                                              "prompt": [{"type": "text", "text": "bench"}]})
            cpu = cpu_seconds(client.pid) - cpu
            if result.get("stopReason") != "end_turn":
                answer({"error": f"session/prompt answered {result}"})
            else:
                answer({"start": start, "marks": client.chunks, "cpu": cpu})
    finally:
        await client.close()


def text_of(deltas: int) -> str:
    words = ("lore", "m ip", "sum ", "dolo", "r si", "t am", "et, ")
    return "".join(words[i % len(words)] for i in range(deltas))


async def bench_stream(plan: Plan, fake: FakeAnthropic, env: dict[str, str], workspace: Path,
                       stderr: Any) -> dict[str, Any]:
    sides: dict[str, ChildSide] = {}
    try:
        sides["tandem"] = await ChildSide.start([sys.executable, __file__, "--drive", str(workspace)], fake, env, stderr)
        sides["floor"] = await ChildSide.start([sys.executable, str(FLOOR_SDK), fake.base_url], fake, env, stderr)
        # warm both: the SDK imported, a connection to the fake open, the first-call paths taken
        for side in sides.values():
            await side.run(Reply.text("OK"), 2)
        await asyncio.sleep(RSS_SETTLE)
        session_rss = rss_mib(sides["tandem"].pid)

        streams: dict[str, list[Stream]] = {name: [] for name in sides}
        text = text_of(plan.stream_deltas)
        for run in range(plan.stream_runs):
            for name in sides if run % 2 == 0 else reversed(sides):
                reply = Reply.text(text, chunk=DELTA_CHARS, delay=0)
                streams[name].append(await sides[name].run(reply, len(text)))

        paced: dict[str, list[Stream]] = {name: [] for name in sides}
        text = text_of(plan.paced_deltas)
        for run in range(plan.paced_runs):
            for name in sides if run % 2 == 0 else reversed(sides):
                reply = Reply.text(text, chunk=DELTA_CHARS, delay=plan.paced_delay)
                paced[name].append(await sides[name].run(reply, len(text)))
    finally:
        for side in sides.values():
            await side.close()
    return {
        "session_rss": session_rss,
        "rate": {n: [s.rate(plan.stream_deltas) for s in ss] for n, ss in streams.items()},
        "end_to_end": {n: [s.end_to_end(plan.stream_deltas) for s in ss] for n, ss in streams.items()},
        "notifications": [len(s.marks) for s in streams["tandem"]],
        "cpu_us_per_delta": {n: [s.cpu / plan.stream_deltas * 1e6 for s in ss] for n, ss in streams.items()},
        "latency": {n: sorted(x for s in ss for x in s.latencies()) for n, ss in paced.items()},
    }


# ---- the table ---------------------------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))]


def table(plan: Plan, spawn: dict[str, Any], stream: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    med = statistics.median
    start_t, start_f = med(spawn["seconds"]["tandem"]), med(spawn["seconds"]["floor"])
    rss_t, rss_f = med(spawn["rss"]["tandem"]), med(spawn["rss"]["floor"])
    rate_t, rate_f = med(stream["rate"]["tandem"]), med(stream["rate"]["floor"])
    e2e_t, e2e_f = med(stream["end_to_end"]["tandem"]), med(stream["end_to_end"]["floor"])
    cpu_t, cpu_f = med(stream["cpu_us_per_delta"]["tandem"]), med(stream["cpu_us_per_delta"]["floor"])
    lat_t, lat_f = stream["latency"]["tandem"], stream["latency"]["floor"]
    p50_t, p50_f, p99_t, p99_f = (percentile(lat_t, 50), percentile(lat_f, 50),
                                  percentile(lat_t, 99), percentile(lat_f, 99))
    figures = {"spawn_s": [start_t, start_f], "idle_rss_mib": [rss_t, rss_f], "session_rss_mib": stream["session_rss"],
               "deltas_per_s": [rate_t, rate_f], "end_to_end_deltas_per_s": [e2e_t, e2e_f],
               "cpu_us_per_delta": [cpu_t, cpu_f], "latency_p50_ms": [p50_t * 1e3, p50_f * 1e3], "latency_p99_ms": [p99_t * 1e3, p99_f * 1e3],
               "added_p99_ms": (p99_t - p99_f) * 1e3, "runs": {k: v for k, v in {**spawn, **stream}.items()
                                                                if k != "latency"}}

    def ok(met: bool) -> str:
        return "yes" if met else "**no**"

    ms = "{:.0f} ms".format
    mib = "{:.1f} MiB".format
    per_s = "{:,.0f}".format
    lat = "{:.2f} ms".format
    n, d = plan.spawns, plan.stream_deltas
    rows = [
        ("Measure", "Tandem", "Floor", "Tandem vs floor", "Target", "Met"),
        (f"Spawn to `initialize` response (median of {n})", ms(start_t * 1e3), ms(start_f * 1e3),
         f"{start_t / start_f:.2f}x", "≤ 1.15x", ok(start_t / start_f <= 1.15)),
        (f"Idle RSS after `initialize` (median of {n})", mib(rss_t), mib(rss_f), f"{rss_t / rss_f:.2f}x",
         "≤ 1.15x", ok(rss_t / rss_f <= 1.15)),
        ("RSS after `session/new` + one prompt", mib(stream["session_rss"]), "", "", "about 100 MiB (budget)",
         ok(stream["session_rss"] <= 100) + " (info)"),
        (f"Streamed deltas/s reaching the client, first to last chunk (median of {plan.stream_runs} × {d:,})",
         per_s(rate_t), per_s(rate_f), f"{rate_t / rate_f:.2f}x", "≥ 0.9x", ok(rate_t / rate_f >= 0.9)),
        ("Streamed deltas/s, request sent to last chunk", per_s(e2e_t), per_s(e2e_f), f"{e2e_t / e2e_f:.2f}x",
         "", "(info)"),
        ("CPU per streamed delta, consuming process (Tandem: the whole server)", f"{cpu_t:.1f} µs", f"{cpu_f:.1f} µs",
         f"{cpu_t / cpu_f:.2f}x", "", "(info)"),
        (f"Latency per delta p50 ({plan.paced_runs} × {plan.paced_deltas:,} deltas, "
         f"{plan.paced_delay * 1e3:g} ms apart)", lat(p50_t * 1e3), lat(p50_f * 1e3),
         f"{(p50_t - p50_f) * 1e3:+.2f} ms", "", "(info)"),
        ("Latency per delta p99", lat(p99_t * 1e3), lat(p99_f * 1e3), f"{(p99_t - p99_f) * 1e3:+.2f} ms",
         "added ≤ 1 ms", ok((p99_t - p99_f) * 1e3 <= 1.0)),
    ]
    lines = ["| " + " | ".join(row) + " |" for row in rows]
    lines.insert(1, "|---|---:|---:|---:|---|---|")
    return "\n".join(lines), figures


def need_one_clock(script: str) -> None:
    """Exit unless perf_counter is CLOCK_MONOTONIC: `script` compares its readings across processes."""
    if time.get_clock_info("perf_counter").implementation != "clock_gettime(CLOCK_MONOTONIC)":
        sys.exit(f"{script} compares perf_counter across processes and needs Linux's CLOCK_MONOTONIC")


def header(title: str, quick: bool, load: tuple[float, float, float]) -> str:
    return (f"{title} benchmark, {'quick' if quick else 'full'} run, {datetime.now():%Y-%m-%d %H:%M}: "
            f"{platform.system()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"load average at start {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}.")


async def run(plan: Plan, quick: bool, out: Path) -> str:
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="tandem-bench-") as tmp, FakeAnthropic(event_log=True) as fake:
        root = Path(tmp)
        workspace = root / "project"
        workspace.mkdir()
        (workspace / "README.md").write_text("# Benchmark workspace\n")
        env, _ = environments(root, fake.base_url)  # the bytecode cache is filled by the unmeasured first spawns
        stderr_path = root / "stderr.log"
        with stderr_path.open("wb") as stderr:
            try:
                spawn = await bench_spawn(plan, env, workspace, stderr)
                stream = await bench_stream(plan, fake, env, workspace, stderr)
            except BaseException:
                sys.stderr.write("children's stderr:\n" + stderr_path.read_text(errors="replace")[-4000:] + "\n")
                raise
    body, figures = table(plan, spawn, stream)
    text = header("Core", quick, load) + "\n\n" + body + "\n"
    out.mkdir(parents=True, exist_ok=True)
    (out / "core.md").write_text(text)
    (out / "core.json").write_text(json.dumps(figures, indent=1) + "\n")
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (a smoke run for CI, about 15 s)")
    parser.add_argument("--out", type=Path, default=RESULTS, help=f"where core.md and core.json go ({RESULTS})")
    parser.add_argument("--drive", type=Path, help=argparse.SUPPRESS)  # the child that drives `tandem serve`
    args = parser.parse_args()
    if args.drive:
        asyncio.run(drive_tandem(args.drive))
        return 0
    need_one_clock("bench/core.py")
    print(asyncio.run(run(QUICK if args.quick else FULL, args.quick, args.out)), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
