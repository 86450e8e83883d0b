"""The sandbox benchmark: what running a Bash command inside bubblewrap costs over running it bare.

# Run: .venv/bin/python bench/sandbox.py [--runs N] [--nice -10] [--json FILE]. Prints a Markdown table.
# Each row is the median wall time of spawning the command and waiting for it (output read to the end), in runs
# interleaved with the bare command, so load on the machine hits both alike. The "Tandem sandbox" rows are exactly
# the argv the Bash tool runs (safety/sandbox.py: bwrap with every flag, protected binds, the environment
# allowlist) with its process cap: `ulimit -u` inside the sandbox for an ordinary user (what editors run as), or,
# when Tandem runs as root (which ignores ulimit -u), moving the command into a pids cgroup, which costs a kernel
# RCU grace period per command. "bwrap minimal" is the floor of any bubblewrap sandbox.
# The runs are split in blocks; the figures are those of the block where the bare command ran fastest (the one
# least disturbed by other programs; chosen on bare alone, so it does not favour the sandbox).
# Target: the Tandem sandbox adds <= 10 ms per command over the bare command.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tandem.safety.sandbox import SandboxOptions, detect

TARGET_MS = 10.0
USER = "Tandem sandbox, user (ulimit -u)"
ROOT = "Tandem sandbox, root (pids cgroup)"
COMMANDS = ("true", "echo hello")


def spawn(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    proc.communicate()
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{argv[:3]}... exited with {proc.returncode}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="runs per variant (default 200)")
    parser.add_argument("--blocks", type=int, default=5,
                        help="split the runs into this many blocks and report the medians of the block where bare ran "
                             "fastest, to filter out bursts of load from other programs (default 5; 1 = plain)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument("--nice", type=int, default=0,
                        help="run at this niceness (e.g. -10 as root, to keep other load on the machine out of "
                             "the figures; both sides of each comparison run at it)")
    args = parser.parse_args()
    if args.nice:
        os.nice(args.nice)
    sandbox, why = detect()
    if sandbox is None:
        print(f"no sandbox here: {why}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="tandem-bench-", dir="/var/tmp" if os.path.isdir("/var/tmp") else None) as d:
        ws = Path(d).resolve()
        (ws / ".git" / "hooks").mkdir(parents=True)
        (ws / ".git" / "config").write_text("")
        env = {k: v for k, v in os.environ.items() if "KEY" not in k.upper()}
        options = SandboxOptions()
        no_cgroup = type(sandbox)(sandbox.bwrap, sandbox.userns, None)
        variants = {
            "bare": lambda argv: argv,
            "bwrap minimal (--ro-bind / / only)": lambda argv: [sandbox.bwrap, "--ro-bind", "/", "/", "--", *argv],
            USER: lambda argv: no_cgroup.wrap(argv, ws, options),
            ROOT: lambda argv: sandbox.wrap(argv, ws, options),
        }
        if sandbox.cgroup is None:
            del variants[ROOT]
        # Moving a process into a cgroup makes every fork on the machine slower for a moment (an RCU grace
        # period), so the root variant is measured in its own phase, against its own bare runs.
        phases = [["bare", "bwrap minimal (--ro-bind / / only)", USER]]
        if ROOT in variants:
            phases.append(["bare", ROOT])
        results: dict[str, dict[str, float]] = {}
        for command in COMMANDS:
            base = ["/bin/bash", "-c", command]
            row: dict[str, float] = {}
            for phase in phases:
                for name in phase:  # warm-up
                    spawn(variants[name](base), ws, sandbox.env(ws) if name != "bare" else env)
                blocks: list[dict[str, float]] = []
                for _ in range(max(1, args.blocks)):
                    times: dict[str, list[float]] = {name: [] for name in phase}
                    for _ in range(max(1, args.runs // max(1, args.blocks))):
                        for name in phase:
                            argv = variants[name](base)  # building the argv is part of the cost
                            times[name].append(spawn(argv, ws, sandbox.env(ws) if name != "bare" else env))
                    blocks.append({name: statistics.median(t) * 1000 for name, t in times.items()})
                # the least disturbed block: the one where the bare command ran fastest (chosen on bare alone)
                best = min(blocks, key=lambda b: b["bare"])
                for name, ms in best.items():
                    row[name if name != "bare" or len(phase) > 2 else "bare (root phase)"] = ms
            results[command] = row
    print(f"Sandbox overhead per command: medians of interleaved runs, best of {args.blocks} blocks of "
          f"{args.runs // max(1, args.blocks)} runs ({platform.machine()}, "
          f"{os.cpu_count()} cores, Linux {platform.release()}, bwrap at {sandbox.bwrap}, "
          f"{'root + pids cgroup' if sandbox.cgroup else 'ulimit -u'}, nice {os.nice(0)}, "
          f"load {os.getloadavg()[0]:.1f})\n")
    print("| command | variant | median ms | over bare ms |")
    print("|---|---|---:|---:|")
    for command, row in results.items():
        for name, ms in row.items():
            over = ms - _bare(row, name)
            print(f"| `{command}` | {name} | {ms:.2f} | {'' if name.startswith('bare') else f'{over:+.2f}'} |")
    summary = {}
    for name in (USER, ROOT):
        if all(name in row for row in results.values()):
            worst = max(row[name] - _bare(row, name) for row in results.values())
            summary[name] = {"worst_over_bare_ms": round(worst, 2), "met": worst <= TARGET_MS}
            print(f"\n{name}: worst {worst:.2f} ms over bare, target <= {TARGET_MS:g} ms: "
                  f"{'met' if worst <= TARGET_MS else 'NOT met'}.", end="")
    print()
    if args.json:
        args.json.write_text(json.dumps({"runs": args.runs, "target_ms": TARGET_MS, "load": os.getloadavg()[0],
                                         "results": results, "summary": summary}, indent=2) + "\n")
    return 0


def _bare(row: dict[str, float], name: str) -> float:
    return row["bare (root phase)"] if name == ROOT else row["bare"]


if __name__ == "__main__":
    raise SystemExit(main())
