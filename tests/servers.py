"""Environments for the real processes the tests start (`tandem serve`, `tandem acp`, a fresh interpreter)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path


def fast_start(env: dict[str, str]) -> dict[str, str]:
    """Compiled modules (and the SDK import's cache) kept outside the repo and the user's home, so each server start
    does not recompile the model SDK."""
    env = dict(env)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.setdefault("PYTHONPYCACHEPREFIX", str(Path(tempfile.gettempdir()) / "tandem-test-pycache"))
    env.setdefault("XDG_CACHE_HOME", str(Path(tempfile.gettempdir()) / "tandem-test-cache"))
    return env


def server_environ(home: Path, base_url: str, *, drop: tuple[str, ...] = ("ANTHROPIC_",),
                   **extra: str) -> dict[str, str]:
    """This process's environment without the variables starting with `drop`, with private state and config
    homes under `home`, the fake Anthropic API at `base_url`, and `extra`; compiled modules cached (fast_start)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update({"XDG_STATE_HOME": str(home / "state"), "XDG_CONFIG_HOME": str(home / "config"),
                "ANTHROPIC_BASE_URL": base_url, "ANTHROPIC_API_KEY": "test-key", "TANDEM_MODEL": "claude-sonnet-5-5"})
    env.update(extra)
    return fast_start(env)


def python_json(code: str, tmp_path: Path, **env: str) -> dict:
    """Run `code` in a fresh interpreter (what it imports is then its own), with the SDK import's cache under
    `tmp_path` and `env` added, and return the JSON of its last output line."""
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), **env})
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])
