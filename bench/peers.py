"""What the benchmarks share: the environments they run agents in, installing a peer from npm, /proc memory, the table."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT / ".tools"
RESULTS = ROOT / "bench" / "results"
REPLY = "Hello from the fake model. " * 8  # every reply of the fake, for both agents
WAIT = 120.0  # s: the bound on any one answer


def npm_install(folder: Path, package: str, version: str, entry: Path) -> str | None:
    """Install `package@version` into `folder` unless `entry` is there; None when ready, else why it is not."""
    if entry.exists():
        return None
    if not shutil.which("npm"):
        return "npm is not installed"
    folder.mkdir(parents=True, exist_ok=True)
    print(f"installing {package}@{version} into {folder.relative_to(ROOT)} ...", file=sys.stderr)
    try:
        done = subprocess.run(["npm", "install", "--prefix", str(folder), "--no-audit", "--no-fund",
                               "--loglevel=error", f"{package}@{version}"], capture_output=True, text=True, check=False,
                              timeout=900)
    except subprocess.TimeoutExpired:
        return "npm install timed out"
    if done.returncode != 0 or not entry.exists():
        return f"npm install failed: {(done.stderr or done.stdout).strip()[-300:] or f'no {entry.name} installed'}"
    return None


def environments(root: Path, base_url: str) -> tuple[dict[str, str], dict[str, str]]:
    """(Tandem's, the peer's) environments: a throwaway HOME and XDG dirs under `root`, a key, the fake as the API.

    Tandem gets an editor's environment: bytecode cached (privately here; this machine may set
    PYTHONDONTWRITEBYTECODE, which would recompile every module at every spawn), output buffered as usual. A peer,
    Claude Code, gets its switches for
    running offline, and IS_SANDBOX=1 as root (it refuses to run as root otherwise: containers, CI)."""
    (root / "home").mkdir(exist_ok=True)
    base = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "TANDEM_", "XDG_", "CLAUDE"))
            and k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED")}
    base.update({"ANTHROPIC_BASE_URL": base_url, "ANTHROPIC_API_KEY": "bench-key", "HOME": str(root / "home"),
                 "XDG_STATE_HOME": str(root / "state"), "XDG_CONFIG_HOME": str(root / "config"),
                 "XDG_CACHE_HOME": str(root / "cache")})
    tandem = {**base, "PYTHONPYCACHEPREFIX": str(root / "pycache"), "TANDEM_MODEL": "claude-sonnet-5-5"}
    peer = {**base, "DISABLE_TELEMETRY": "1", "DISABLE_AUTOUPDATER": "1", "DISABLE_ERROR_REPORTING": "1",
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1"}
    if os.getuid() == 0:
        peer["IS_SANDBOX"] = "1"
    return tandem, peer


def fill_bytecode_cache(env: dict[str, str], modules: str) -> None:
    """Import `modules` once in `env`, so that the measured spawns find their bytecode cached."""
    subprocess.run([sys.executable, "-c", f"import {modules}"], env=env, check=True)


def tree(pid: int) -> list[int]:
    """`pid` and every process below it."""
    pids, i = [pid], 0
    while i < len(pids):
        for task in Path(f"/proc/{pids[i]}/task").glob("*"):
            try:
                pids += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                pass
        i += 1
    return pids


def status_kib(pid: int, field: str) -> int:
    """A /proc/PID/status memory field (VmRSS, VmHWM) in KiB; 0 once the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def comparison_table(columns: tuple[str, str], rows: list[tuple[str, str, str, float | None]],
                     tandem: dict[str, Any], peer: dict[str, Any] | None, why: str | None) -> str:
    """Markdown: each row (label, key, format, target ratio or None) with both figures, the ratio and the verdict."""
    lines = [f"| measure | {columns[0]} | {columns[1]} | ratio | target |", "|---|---|---|---|---|"]
    for label, key, fmt, target in rows:
        mine = fmt.format(tandem[key])
        theirs = fmt.format(peer[key]) if peer else "n/a"
        ratio = tandem[key] / peer[key] if peer and peer[key] else None
        verdict = "" if target is None else f"<= {target}x" + ("" if ratio is None else
                                                               " met" if ratio <= target else " **missed**")
        lines.append(f"| {label} | {mine} | {theirs} | {'' if ratio is None else f'{ratio:.2f}x'} | {verdict} |")
    if why:
        lines.append(f"\nNo peer column: {why}.")
    return "\n".join(lines)
