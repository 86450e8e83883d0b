"""Smoke test of the core benchmark: `bench/core.py --quick` runs and prints every row (figures are not judged)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ROWS = ("Spawn to `initialize` response", "Idle RSS after `initialize`", "RSS after `session/new` + one prompt",
        "Streamed deltas/s reaching the client", "Streamed deltas/s, request sent to last chunk",
        "CPU per streamed delta", "Latency per delta p50", "Latency per delta p99")


@pytest.mark.timeout(240)  # about 15 s on a quiet machine; CI machines are busy
def test_core_bench_quick_prints_every_row(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "core.py"), "--quick", "--out", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=230)
    assert done.returncode == 0, done.stderr[-4000:]
    for row in ROWS:
        assert row in done.stdout, f"missing row {row!r} in:\n{done.stdout}"
    assert (tmp_path / "core.md").read_text() == done.stdout


CLI_ROWS = ("cold start: spawn to first streamed text", "warm turn: second user message written",
            "peak RSS of the one-shot run", "bytes sent per model call (mean)", "bytes sent per model call (largest)",
            "model calls per prompt")


@pytest.mark.timeout(240)  # about 10 s on a quiet machine
def test_claude_cli_bench_quick_without_peer_prints_every_row(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "claude_cli.py"), "--quick", "--no-peer", "--out",
                           str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=230)
    assert done.returncode == 0, done.stderr[-4000:]
    for row in CLI_ROWS:
        assert row in done.stdout, f"missing row {row!r} in:\n{done.stdout}"
    assert "No peer column: skipped (--no-peer)" in done.stdout
    assert (tmp_path / "claude_cli.md").read_text().strip() == done.stdout.strip()


@pytest.mark.timeout(300)
def test_all_benchmarks_command_gathers_the_tables(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "all.py"), "--quick", "--offline", "--only",
                           "diff,acp_door", "--out", str(tmp_path)], cwd=ROOT, capture_output=True, text=True,
                          timeout=280)
    assert done.returncode == 0, done.stderr[-4000:]
    report = (tmp_path / "all.md").read_text()
    assert report.startswith("Run: ") and "### diff:" in report and "### acp_door:" in report
    assert "compute_hunks" in report and "spawn to `initialize` answered" in report
    assert "No peer column: skipped (--no-peer)" in report and "### core:" not in report
