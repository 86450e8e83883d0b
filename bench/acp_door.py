"""The ACP door benchmark: `tandem acp` beside Claude Code's ACP adapter, both on the same fake Anthropic API."""

# Run: .venv/bin/python bench/acp_door.py [--quick] [--no-peer]. Prints a Markdown table and writes it to
# bench/results/acp_door.md. The peer, npm @agentclientprotocol/claude-agent-acp, is installed into .tools/ on first
# use; if it cannot be installed or run, Tandem's figures are still printed with the reason. Both agents are driven by
# the same raw NDJSON client advertising no fs/terminal (so each works on local files), in a throwaway HOME and
# state directory, against one FakeAnthropic whose every reply is the same short text. Linux only (RSS from /proc).

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from peers import (
    REPLY,
    RESULTS,
    TOOLS,
    WAIT,
    comparison_table,
    environments,
    fill_bytecode_cache,
    npm_install,
    status_kib,
    tree,
)
from tandem.agent.fake_api import FakeAnthropic, Reply

PEER_PACKAGE, PEER_VERSION = "@agentclientprotocol/claude-agent-acp", "0.101.0"
PEER_DIR = TOOLS / "claude-agent-acp"
PEER_ENTRY = PEER_DIR / "node_modules" / "@agentclientprotocol" / "claude-agent-acp" / "dist" / "index.js"
SETTLE = 3.0  # s after initialize before reading idle RSS: long enough for Tandem's background warm-up to finish


class AcpProcess:
    """One agent process driven over raw NDJSON; answers whatever the agent asks with a refusal."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.pending: dict[int, asyncio.Future[Any]] = {}
        self.next_id = 0
        self.first_chunk: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.reader = asyncio.ensure_future(self._read())

    @classmethod
    async def spawn(cls, argv: list[str], env: dict[str, str], cwd: Path) -> AcpProcess:
        proc = await asyncio.create_subprocess_exec(*argv, env=env, cwd=cwd, limit=1 << 26, start_new_session=True,
                                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                                    stderr=subprocess.DEVNULL)
        return cls(proc)

    def send(self, msg: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(msg).encode() + b"\n")

    async def request(self, method: str, params: dict[str, Any]) -> Any:
        self.next_id += 1
        future = self.pending[self.next_id] = asyncio.get_running_loop().create_future()
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        return await asyncio.wait_for(future, WAIT)

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        while line := await self.proc.stdout.readline():
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            if "method" not in msg:
                future = self.pending.pop(msg.get("id"), None)
                if future is not None and not future.done():
                    if "error" in msg:
                        future.set_exception(RuntimeError(f"{msg['error'].get('message')}"))
                    else:
                        future.set_result(msg.get("result"))
            elif msg["method"] == "session/update":
                kind = msg["params"]["update"].get("sessionUpdate")
                if kind == "agent_message_chunk" and not self.first_chunk.done():
                    self.first_chunk.set_result(time.perf_counter())
            elif "id" in msg:  # a request to the client: this client offers nothing and allows nothing
                if msg["method"] == "session/request_permission":
                    self.send({"jsonrpc": "2.0", "id": msg["id"], "result": {"outcome": {"outcome": "cancelled"}}})
                else:
                    self.send({"jsonrpc": "2.0", "id": msg["id"],
                               "error": {"code": -32601, "message": f"Method not found: {msg['method']}"}})
        for future in self.pending.values():
            if not future.done():
                future.set_exception(RuntimeError("the agent exited"))

    def rss_mib(self) -> float:
        """Resident memory of the agent and every process it started."""
        return sum(status_kib(pid, "VmRSS") for pid in tree(self.proc.pid)) / 1024

    def peak_rss_mib(self) -> float:
        """The sum of each live process's own peak (VmHWM): an upper bound of the tree's peak."""
        return sum(status_kib(pid, "VmHWM") for pid in tree(self.proc.pid)) / 1024

    async def close(self) -> None:
        if self.proc.stdin and not self.proc.stdin.is_closing():
            self.proc.stdin.close()
        try:
            await asyncio.wait_for(self.proc.wait(), 5)
        except TimeoutError:
            pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # the adapter's own children too
        except ProcessLookupError:
            pass
        await self.proc.wait()
        self.reader.cancel()


INIT = {"protocolVersion": 1, "clientCapabilities": {"fs": {"readTextFile": False, "writeTextFile": False},
                                                      "terminal": False},
        "clientInfo": {"name": "tandem-bench", "version": "0"}}


async def measure(argv: list[str], env: dict[str, str], workspace: Path, fake: FakeAnthropic,
                  spawns: int) -> dict[str, Any]:
    times = []
    for i in range(spawns + 1):  # the first, unmeasured, fills the page cache (and Tandem's bytecode cache)
        started = time.perf_counter()
        agent = await AcpProcess.spawn(argv, env, workspace)
        await agent.request("initialize", INIT)
        if i:
            times.append((time.perf_counter() - started) * 1000)
        await agent.close()

    agent = await AcpProcess.spawn(argv, env, workspace)
    try:
        await agent.request("initialize", INIT)
        await asyncio.sleep(SETTLE)
        idle = agent.rss_mib()
        started = time.perf_counter()
        session = await agent.request("session/new", {"cwd": str(workspace), "mcpServers": []})
        new_ms = (time.perf_counter() - started) * 1000
        await asyncio.sleep(SETTLE)  # let a session's background start-up settle (the adapter starts Claude Code)
        session_rss = agent.rss_mib()
        fake.reset()
        started = time.perf_counter()
        result = await agent.request("session/prompt", {"sessionId": session["sessionId"],
                                                         "prompt": [{"type": "text", "text": "Say hello."}]})
        done = time.perf_counter()
        first = agent.first_chunk.result() if agent.first_chunk.done() else float("nan")
        calls = [r for r in fake.requests if r.path == "/v1/messages"]
        loop_calls = [r for r in calls if isinstance(r.body, dict) and r.body.get("tools")]
        return {"spawn_ms": statistics.median(times), "spawn_all": times, "new_ms": new_ms,
                "first_chunk_ms": (first - started) * 1000, "turn_ms": (done - started) * 1000,
                "stop": result.get("stopReason"), "idle_rss": idle, "session_rss": session_rss,
                "turn_rss": agent.rss_mib(), "peak_rss": agent.peak_rss_mib(), "calls": len(calls),
                "bytes_loop": statistics.mean(r.raw_size for r in loop_calls) if loop_calls else 0,
                "bytes_mean": statistics.mean(r.raw_size for r in calls) if calls else 0,
                "bytes_max": max((r.raw_size for r in calls), default=0)}
    finally:
        await agent.close()


def ensure_peer() -> str | None:
    """Install the peer into .tools/ if missing; None when ready, else why it is not."""
    if not shutil.which("node"):
        return "node is not installed"
    return npm_install(PEER_DIR, PEER_PACKAGE, PEER_VERSION, PEER_ENTRY)


def table(tandem: dict[str, Any], peer: dict[str, Any] | None, why: str | None) -> str:
    rows = [("spawn to `initialize` answered (median)", "spawn_ms", "{:.0f} ms", 0.5),
            ("`session/new` answered (first session)", "new_ms", "{:.0f} ms", 0.25),
            ("first prompt to first `agent_message_chunk`", "first_chunk_ms", "{:.0f} ms", 1.0),
            ("first prompt to its answer", "turn_ms", "{:.0f} ms", None),
            ("idle RSS after `initialize` (settled, process tree)", "idle_rss", "{:.0f} MiB", 0.5),
            ("idle RSS with one session open (settled, process tree)", "session_rss", "{:.0f} MiB", 0.5),
            ("RSS after one session and one turn (process tree)", "turn_rss", "{:.0f} MiB", None),
            ("peak RSS (sum of each process's VmHWM)", "peak_rss", "{:.0f} MiB", None),
            ("model calls for that prompt", "calls", "{}", None),
            ("bytes sent per agent-loop model call (the ones carrying the tools)", "bytes_loop", "{:,.0f}", 0.3),
            ("bytes sent per model call (mean of all)", "bytes_mean", "{:,.0f}", None),
            ("bytes sent per model call (largest)", "bytes_max", "{:,.0f}", None)]
    return comparison_table(("tandem acp", "Claude Code ACP adapter"), rows, tandem, peer, why)


async def main(quick: bool, with_peer: bool) -> int:
    spawns = 3 if quick else 10
    why = ensure_peer() if with_peer else "skipped (--no-peer)"
    with tempfile.TemporaryDirectory(prefix="tandem-acp-bench-") as tmp, \
            FakeAnthropic(default_reply=Reply.text(REPLY)) as fake:
        root = Path(tmp)
        workspace = root / "project"
        (workspace / "src").mkdir(parents=True)
        (workspace / "src" / "app.py").write_text("print('hello')\n")
        tandem_env, peer_env = environments(root, fake.base_url)
        # fill the bytecode cache for what loads after initialize too (the spawns below end before the warm-up does)
        fill_bytecode_cache(tandem_env, "anthropic, tandem.service, tandem.doors.acp.door, tandem.doors.acp.channel, "
                            "tandem.doors.acp.terminal")
        tandem = await measure([sys.executable, "-m", "tandem", "acp"], tandem_env, workspace, fake, spawns)
        peer = None
        if why is None:
            try:
                peer = await measure(["node", str(PEER_ENTRY)], peer_env, workspace, fake, spawns)
                if peer["calls"] == 0:
                    why, peer = "the adapter made no model call against the fake API", None
            except Exception as e:  # the peer's problem must not hide our figures
                why = f"the adapter did not run here ({type(e).__name__}: {e})"
    report = (f"# ACP door benchmark ({'quick' if quick else 'full'}, {spawns} spawns each)\n\n"
              + table(tandem, peer, why) + f"\n\nPeer: {PEER_PACKAGE}@{PEER_VERSION}.\n")
    print(report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "acp_door.md").write_text(report)
    (RESULTS / "acp_door.json").write_text(json.dumps({"tandem": tandem, "peer": peer, "peer_missing": why},
                                                      indent=1))
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="3 spawns instead of 10")
    parser.add_argument("--no-peer", action="store_true", help="measure Tandem only")
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.quick, not args.no_peer)))
