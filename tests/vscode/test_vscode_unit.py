"""The VS Code extension's unit tests (node:test over the pure modules) and its strict type check, run from pytest."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

EXT = Path(__file__).resolve().parents[2] / "clients" / "vscode"


def _npm(*args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["npm", *args], check=False, cwd=EXT, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def node_modules() -> None:
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed")
    lock, installed = EXT / "package-lock.json", EXT / "node_modules" / ".package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime:
        done = _npm("ci", "--no-audit", "--no-fund", timeout=600)
        assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.timeout(300)
def test_unit_tests_pass(node_modules: None) -> None:
    done = _npm("run", "--silent", "test:unit", timeout=300)
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-5000:]


@pytest.mark.timeout(300)
def test_typecheck_is_clean(node_modules: None) -> None:
    done = _npm("run", "--silent", "typecheck", timeout=300)
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-5000:]
