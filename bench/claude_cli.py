"""The headless CLI benchmark: `tandem ask` beside Claude Code's `claude -p`, both on the same fake Anthropic API."""

# Run: .venv/bin/python bench/claude_cli.py [--quick] [--no-peer] [--out DIR]. Prints a Markdown table and writes it to
# bench/results/claude_cli.md (figures in claude_cli.json). The peer, npm @anthropic-ai/claude-code, is installed into
# .tools/ on first use; if it cannot be installed or run, Tandem's figures are still printed with the reason. Both
# CLIs run in a throwaway HOME and state directory against one FakeAnthropic whose every reply is the same short
# text, and print stream-json: Tandem `tandem ask --output stream-json` (first text = the first
# `agent_message_chunk` line), Claude Code `claude -p --output-format stream-json --verbose
# --include-partial-messages` (first text = the first line with a `text_delta`). Linux only (memory from /proc).
#
# Rows: cold start (spawn to first streamed text of a one-shot run, median); warm turn (one process per run driven with
# --input-format stream-json: the second user message written to its first streamed text, median); peak RSS of the
# one-shot run's process tree (the sum of each process's own VmHWM, sampled every 10 ms until exit: an upper bound
# of the tree's peak, median); bytes sent per model call and model calls per prompt (one-shot runs, from the fake).

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
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

PEER_PACKAGE, PEER_VERSION = "@anthropic-ai/claude-code", "2.1.332"
PEER_DIR = TOOLS / "claude-code"
PEER_BIN = PEER_DIR / "node_modules" / "@anthropic-ai" / "claude-code" / "bin" / "claude.exe"
PROMPT = "Say hello."
SAMPLE = 0.01  # s between memory samples


class Cli:
    """One CLI under test: how to run it one-shot and as a stream-json session, and how to spot its first text."""

    def __init__(self, name: str, one_shot: list[str], session: list[str], env: dict[str, str],
                 is_text: Callable[[bytes], bool], is_result: Callable[[bytes], bool]) -> None:
        self.name, self.one_shot, self.session, self.env = name, one_shot, session, env
        self.is_text, self.is_result = is_text, is_result


def _is_result(line: bytes) -> bool:
    return b'"type":"result"' in line


def _user_line(text: str) -> bytes:
    return json.dumps({"type": "user", "message": {"role": "user", "content": text}}).encode() + b"\n"


async def _sample_peaks(pid: int, peaks: dict[int, int]) -> None:
    """Each process's own peak (VmHWM) in the tree under `pid`, sampled until cancelled."""
    while True:
        for p in tree(pid):
            kib = status_kib(p, "VmHWM")
            if kib > peaks.get(p, 0):
                peaks[p] = kib
        await asyncio.sleep(SAMPLE)


async def _spawn(argv: list[str], env: dict[str, str], cwd: Path, stdin: bool) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(*argv, env=env, cwd=cwd, limit=1 << 26, start_new_session=True,
                                                stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)


async def _reap(proc: asyncio.subprocess.Process) -> None:
    try:
        await asyncio.wait_for(proc.wait(), 10)
    except TimeoutError:
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # anything the CLI left behind
    except ProcessLookupError:
        pass
    await proc.wait()


async def _until(proc: asyncio.subprocess.Process, wanted: Callable[[bytes], bool], what: str) -> float:
    """Read stdout until a wanted line; the time it arrived."""
    assert proc.stdout is not None
    while line := await proc.stdout.readline():
        if wanted(line):
            return time.perf_counter()
    raise RuntimeError(f"the process ended without printing {what}")


async def one_shot(cli: Cli, cwd: Path) -> dict[str, Any]:
    """Spawn to first streamed text, and the tree's peak memory until exit."""
    peaks: dict[int, int] = {}
    started = time.perf_counter()
    proc = await _spawn(cli.one_shot, cli.env, cwd, stdin=False)
    sampler = asyncio.ensure_future(_sample_peaks(proc.pid, peaks))
    try:
        first = await asyncio.wait_for(_until(proc, cli.is_text, "text"), WAIT)
        assert proc.stdout is not None
        await asyncio.wait_for(proc.stdout.read(), WAIT)  # the rest of the answer, to the end
        await asyncio.wait_for(proc.wait(), WAIT)
    finally:
        sampler.cancel()
        await _reap(proc)
    return {"cold_ms": (first - started) * 1000, "peak_rss": sum(peaks.values()) / 1024, "exit": proc.returncode}


async def warm_turn(cli: Cli, cwd: Path) -> float:
    """In one stream-json session: the second user message written to its first streamed text (ms)."""
    proc = await _spawn(cli.session, cli.env, cwd, stdin=True)
    assert proc.stdin is not None
    try:
        proc.stdin.write(_user_line(PROMPT))
        await asyncio.wait_for(_until(proc, cli.is_result, "a result line"), WAIT)
        written = time.perf_counter()
        proc.stdin.write(_user_line("Say it again."))
        await proc.stdin.drain()
        first = await asyncio.wait_for(_until(proc, cli.is_text, "text"), WAIT)
        await asyncio.wait_for(_until(proc, cli.is_result, "a result line"), WAIT)
        proc.stdin.close()
        return (first - written) * 1000
    finally:
        if not proc.stdin.is_closing():
            proc.stdin.close()
        await _reap(proc)


async def measure(clis: list[Cli], cwd: Path, fake: FakeAnthropic, runs: int) -> dict[str, dict[str, Any] | str]:
    """Every figure for each CLI, the CLIs taking turns run by run (so a busy moment of the machine hits both).
    A CLI that fails is dropped with the reason (a string in place of its figures)."""
    out: dict[str, dict[str, Any] | str] = {}
    raw: dict[str, dict[str, list[Any]]] = {c.name: {"cold": [], "peak": [], "calls": [], "sizes": [], "warm": [],
                                                      "other": []} for c in clis}
    for stage in ("one-shot", "warm"):
        for i in range(runs + 1):  # the first, unmeasured, fills the page cache (and Tandem's bytecode cache)
            for cli in clis:
                if cli.name in out:
                    continue
                fig = raw[cli.name]
                try:
                    if stage == "warm":
                        ms = await warm_turn(cli, cwd)
                        if i:
                            fig["warm"].append(ms)
                        continue
                    fake.reset()
                    run = await one_shot(cli, cwd)
                    if run["exit"] != 0:
                        raise RuntimeError(f"it exited with {run['exit']}")
                    calls = [r for r in fake.requests if r.path == "/v1/messages"]
                    if not calls:
                        raise RuntimeError("it made no model call against the fake API")
                    fig["other"] += [r.path for r in fake.requests if r.path != "/v1/messages"]
                    if i:
                        fig["cold"].append(run["cold_ms"])
                        fig["peak"].append(run["peak_rss"])
                        fig["calls"].append(len(calls))
                        fig["sizes"] += [r.raw_size for r in calls]
                except Exception as e:
                    out[cli.name] = f"{type(e).__name__}: {e}"
    for cli in clis:
        if cli.name in out:
            continue
        fig = raw[cli.name]
        out[cli.name] = {"cold_ms": statistics.median(fig["cold"]), "cold_all": fig["cold"],
                         "warm_ms": statistics.median(fig["warm"]), "warm_all": fig["warm"],
                         "peak_rss": statistics.median(fig["peak"]), "peak_all": fig["peak"],
                         "bytes_mean": statistics.mean(fig["sizes"]), "bytes_max": max(fig["sizes"]),
                         "calls": statistics.median(fig["calls"]), "other_paths": sorted(set(fig["other"]))}
    return out


def ensure_peer() -> str | None:
    """Install the peer into .tools/ if missing; None when ready, else why it is not."""
    return npm_install(PEER_DIR, PEER_PACKAGE, PEER_VERSION, PEER_BIN)


ROWS = [("cold start: spawn to first streamed text (one-shot run, median)", "cold_ms", "{:.0f} ms", 1.0),
        ("warm turn: second user message written to its first streamed text (one process, stream-json input, median)",
         "warm_ms", "{:.0f} ms", None),
        ("peak RSS of the one-shot run (sum of each process's VmHWM over the tree, sampled every 10 ms; median)",
         "peak_rss", "{:.0f} MiB", 0.4),
        ("bytes sent per model call (mean)", "bytes_mean", "{:,.0f}", None),
        ("bytes sent per model call (largest)", "bytes_max", "{:,.0f}", None),
        ("model calls per prompt", "calls", "{:g}", None)]


def table(tandem: dict[str, Any], peer: dict[str, Any] | None, why: str | None) -> str:
    return comparison_table(("tandem ask", "claude -p"), ROWS, tandem, peer, why)


async def _run(quick: bool, with_peer: bool) -> tuple[str, dict[str, Any]]:
    runs = 3 if quick else 10
    load = os.getloadavg()[0]
    why = ensure_peer() if with_peer else "skipped (--no-peer)"
    with tempfile.TemporaryDirectory(prefix="tandem-cli-bench-") as tmp, \
            FakeAnthropic(default_reply=Reply.text(REPLY)) as fake:
        root = Path(tmp)
        workspace = root / "project"
        (workspace / "src").mkdir(parents=True)
        (workspace / "src" / "app.py").write_text("print('hello')\n")
        tandem_env, peer_env = environments(root, fake.base_url)
        fill_bytecode_cache(tandem_env, "anthropic, tandem.cli, tandem.headless, tandem.service")
        ask = [sys.executable, "-m", "tandem", "ask", "--output", "stream-json"]
        clis = [Cli("tandem ask", [*ask, PROMPT], [*ask, "--input-format", "stream-json"], tandem_env,
                    lambda line: b'"agent_message_chunk"' in line and b'"notice"' not in line, _is_result)]
        if why is None:
            claude = [str(PEER_BIN), "-p", "--output-format", "stream-json", "--verbose", "--include-partial-messages"]
            clis.append(Cli("claude -p", [*claude, PROMPT], [*claude, "--input-format", "stream-json"], peer_env,
                            lambda line: b'"text_delta"' in line, _is_result))
        figures = await measure(clis, workspace, fake, runs)
    tandem, peer = figures["tandem ask"], figures.get("claude -p")
    if isinstance(tandem, str):
        raise RuntimeError(f"tandem ask failed: {tandem}")
    if isinstance(peer, str):  # the peer's problem must not hide our figures
        why, peer = f"Claude Code did not run here ({peer})", None
    report = (f"# Headless CLI benchmark ({'quick' if quick else 'full'}, {runs} runs each)\n\n"
              + table(tandem, peer, why)
              + f"\n\nPeer: {PEER_PACKAGE}@{PEER_VERSION} (`claude -p --output-format stream-json --verbose "
              "--include-partial-messages`). Both on one fake Anthropic API, taking turns run by run; each figure is the "
              "median of the runs after one unmeasured run. Peak RSS is an upper bound of the tree's peak (each "
              f"process's own peak, summed). Load average when it started: {load:.2f}.\n")
    return report, {"tandem": tandem, "peer": peer, "peer_missing": why, "runs": runs, "load_at_start": load}


def main(quick: bool, with_peer: bool, out: Path = RESULTS) -> int:
    report, figures = asyncio.run(_run(quick, with_peer))
    print(report)
    out.mkdir(parents=True, exist_ok=True)
    (out / "claude_cli.md").write_text(report)
    (out / "claude_cli.json").write_text(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="3 runs instead of 10")
    parser.add_argument("--no-peer", action="store_true", help="measure Tandem only")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where claude_cli.md and .json go")
    args = parser.parse_args()
    sys.exit(main(args.quick, not args.no_peer, args.out))
