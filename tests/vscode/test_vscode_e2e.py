"""The VS Code extension end to end: code-server + Debian Chromium + playwright-core against `tandem serve` and the
fake model (clients/vscode/test/e2e/run.sh installs what is missing, builds the .vsix and runs the test)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "clients" / "vscode" / "test" / "e2e" / "run.sh"


@pytest.mark.timeout(900)
def test_vscode_end_to_end() -> None:
    done = subprocess.run([str(SCRIPT)], check=False, capture_output=True, text=True, timeout=880)
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-10000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["ok"]
    assert result["firstChunkHostToPaintMs"] <= 50
    assert result["render1000Ms"] <= 1000
