"""Every benchmark in one run: each bench script in turn, their tables gathered into one report (and into the docs)."""

# Run: .venv/bin/python bench/all.py [--quick] [--docs] [--only core,acp_door,...] [--offline] [--out DIR]
# Each benchmark runs as its own process, one after another (never two at once: they measure time and memory), and
# prints a Markdown table whose every figure stands beside a floor measured in the same run. The report (machine,
# load, commit, then each table) is printed and written to bench/results/all.md; --docs also puts it into
# docs/benchmarks.md between the `bench:all` markers. A benchmark that fails is reported as failed with its last
# output lines, and the others still run; the exit code is 1 if any failed. The diff benchmark's extra floors
# (pygit2, fast-diff-match-patch, rapidfuzz) are installed into .tools/diff-floors with uv on first use.

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
DOCS = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- bench:all:start -->", "<!-- bench:all:end -->"

# name, script, arguments for a full run, arguments for --quick, what it covers
BENCHES = [
    ("core", "core.py", [], ["--quick"], "start-up, idle memory, streaming throughput and added latency (LSP door)"),
    ("reliability", "reliability.py", [], ["--quick"],
     "memory per idle session, 500-turn session, 20-session streaming, Grep vs rg, watcher latency"),
    ("diff", "diff.py", [], ["--runs", "7"], "diff and rebase on a 10,000-line file"),
    ("sandbox", "sandbox.py", [], ["--runs", "40"], "what the bubblewrap sandbox adds per command"),
    ("acp_door", "acp_door.py", [], ["--quick"], "`tandem acp` beside Claude Code's ACP adapter"),
    ("claude_cli", "claude_cli.py", [], ["--quick"], "`tandem ask` beside Claude Code's headless CLI"),
]


DIFF_FLOORS = ROOT / ".tools" / "diff-floors"
DIFF_FLOOR_PACKAGES = ["fast-diff-match-patch", "pygit2", "rapidfuzz"]


def diff_floors() -> dict[str, str]:
    """The diff benchmark's extra floors (not dependencies of Tandem): installed once into .tools/ with uv when it
    can, and put on the benchmark's PYTHONPATH; without them it compares with difflib alone."""
    if not DIFF_FLOORS.exists():
        uv = shutil.which("uv")
        if uv is None:
            return {}
        print("installing the diff floors into .tools/diff-floors ...", file=sys.stderr)
        done = subprocess.run([uv, "pip", "install", "--quiet", "--python", sys.executable, "--target",
                               str(DIFF_FLOORS), *DIFF_FLOOR_PACKAGES], capture_output=True, text=True, check=False,
                              timeout=600)
        if done.returncode != 0:
            shutil.rmtree(DIFF_FLOORS, ignore_errors=True)
            return {}
    return {"PYTHONPATH": str(DIFF_FLOORS)}


PEERED = ("acp_door", "claude_cli")  # the benchmarks that install a peer from npm unless told --no-peer


def run_one(script: str, args: list[str], timeout: float, offline: bool = False) -> tuple[bool, str, float]:
    started = time.monotonic()
    env = {**os.environ, **(diff_floors() if script == "diff.py" and not offline else {})}
    try:
        done = subprocess.run([sys.executable, str(HERE / script), *args], cwd=ROOT, capture_output=True, text=True,
                              timeout=timeout, env=env, check=False)
    except subprocess.TimeoutExpired as e:
        tail = (e.stdout or b"")[-2000:] if isinstance(e.stdout, bytes) else (e.stdout or "")[-2000:]
        return False, f"timed out after {timeout:.0f} s\n{tail}", time.monotonic() - started
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-25:])
        return False, f"exit code {done.returncode}\n```\n{tail}\n```", time.monotonic() - started
    return True, _demote_headings(done.stdout.strip()), time.monotonic() - started


def _demote_headings(text: str) -> str:
    """Each bench prints `# Title`; inside the report they sit under a `##` section."""
    return "\n".join("###" + line if line.startswith("# ") else line for line in text.splitlines())


def machine() -> str:
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                                timeout=10).stdout.strip()
    except OSError:
        commit = "?"
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else "?"
    return (f"{time.strftime('%Y-%m-%d %H:%M')}, commit {commit}, {os.cpu_count()} cores ({cpu}), "
            f"Python {platform.python_version()}, {platform.system()} {platform.release()}")


def update_docs(report: str) -> None:
    text = DOCS.read_text() if DOCS.exists() else "# Benchmarks\n"
    block = f"{START}\n{report}\n{END}"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n## The latest full run (`bench/all.py --docs`)\n\n" + block + "\n"
    DOCS.write_text(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="each benchmark's short form (a few minutes in all)")
    parser.add_argument("--docs", action="store_true", help=f"also write the report into {DOCS.relative_to(ROOT)}")
    parser.add_argument("--only", default="", help="comma-separated names: " + ",".join(b[0] for b in BENCHES))
    parser.add_argument("--timeout", type=float, default=1800, help="seconds allowed per benchmark")
    parser.add_argument("--out", type=Path, default=RESULTS, help=f"where all.md goes ({RESULTS.relative_to(ROOT)})")
    parser.add_argument("--offline", action="store_true",
                        help="install nothing: no diff floors, no npm peers (their columns say so)")
    args = parser.parse_args()
    wanted = {n for n in args.only.split(",") if n}
    unknown = wanted - {b[0] for b in BENCHES}
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")

    sections, failed = [], []
    load_before = os.getloadavg()[0]
    for name, script, full, quick, covers in BENCHES:
        if wanted and name not in wanted:
            continue
        argv = (quick if args.quick else full) + (["--no-peer"] if args.offline and name in PEERED else [])
        print(f"running {name}: bench/{script} {' '.join(argv)} ...", file=sys.stderr, flush=True)
        ok, text, took = run_one(script, argv, args.timeout, args.offline)
        if not ok:
            failed.append(name)
        sections.append(f"### {name}: {covers}\n\n`bench/{script} {' '.join(argv)}`".rstrip() + f" ({took:.0f} s)"
                        + ("" if ok else " **failed**") + f"\n\n{text}\n")
    report = (f"Run: {machine()}; load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after"
              + (" (quick run)" if args.quick else "") + ".\n\n" + "\n".join(sections))
    print(report)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "all.md").write_text(report + "\n")
    if args.docs:
        update_docs(report)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
