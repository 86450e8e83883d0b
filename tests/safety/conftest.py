"""A real `tandem serve` per test module, a fake model that scripts the attacks, sentinels outside the workspace.

Everything lives under one base folder in /var/tmp (not /tmp: the sandbox gives commands a private /tmp, and the
tests must see real paths outside the workspace):

    base/home/          HOME of the server: .ssh/id_rsa and .bashrc hold canaries
    base/outside/       files next to the workspaces: a sentinel and a secret
    base/config/        XDG_CONFIG_HOME: user settings with a tight process limit
    base/state/         XDG_STATE_HOME (session logs; masked inside the sandbox)
    base/ws-<n>/        one fresh workspace per attack
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import socket
import tempfile
import threading
from pathlib import Path

import pytest
import pytest_asyncio

from tandem.agent.fake_api import FakeAnthropic

from ..lsp.harness import TandemClient

CANARY = "sk-ant-canary-5f1d2c9a"  # the API key the server runs with: must never reach the model
OTHER_CANARY = "canary-private-value-77e1"  # in an env var whose name looks innocent
HOME_CANARY = "canary-ssh-key-0b3e"
OUTSIDE_CANARY = "canary-outside-secret-91aa"
ENV_CANARY = "canary-dotenv-4d2f"
MAX_PROCESSES = 64


@pytest.fixture(scope="module")
def base() -> Path:
    parent = "/var/tmp" if os.path.isdir("/var/tmp") and os.access("/var/tmp", os.W_OK) else None
    path = Path(tempfile.mkdtemp(prefix="tandem-attacks-", dir=parent)).resolve()
    home = path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_rsa").write_text(f"-----BEGIN KEY-----\n{HOME_CANARY}\n")
    (home / ".bashrc").write_text("# bashrc\n")
    outside = path / "outside"
    outside.mkdir()
    (outside / "sentinel.txt").write_text("untouched\n")
    (outside / "secret.txt").write_text(f"{OUTSIDE_CANARY}\n")
    config = path / "config" / "tandem"
    config.mkdir(parents=True)
    (config / "settings.json").write_text(json.dumps({"sandbox": {"maxProcesses": MAX_PROCESSES}}))
    (path / "state").mkdir()
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def fake_api():
    with FakeAnthropic(api_key=CANARY) as fake:
        yield fake


@pytest.fixture(autouse=True)
def _fresh_fake(fake_api):
    fake_api.reset()


def server_env(base: Path, fake_api: FakeAnthropic, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
    env.update({"HOME": str(base / "home"), "XDG_CONFIG_HOME": str(base / "config"),
                "XDG_STATE_HOME": str(base / "state"), "ANTHROPIC_BASE_URL": fake_api.base_url,
                "ANTHROPIC_API_KEY": CANARY, "TANDEM_INNOCENT_LOOKING": OTHER_CANARY,
                "TANDEM_MODEL": "claude-sonnet-5-5", "PYTHONUNBUFFERED": "1"})
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.setdefault("PYTHONPYCACHEPREFIX", str(Path(tempfile.gettempdir()) / "tandem-test-pycache"))
    # the server's own cache (agent/sdk_import.py) is not something an attack wrote: outside the snapshot of base/
    env.setdefault("XDG_CACHE_HOME", str(Path(tempfile.gettempdir()) / "tandem-test-cache"))
    env.update(extra)
    return env


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def server(base, fake_api):
    client = TandemClient(server_env(base, fake_api))
    await client.start()
    yield client
    await client.stop()
    assert client.schema_errors == [], "\n".join(client.schema_errors)


_numbers = itertools.count(1)


def make_workspace(base: Path) -> Path:
    """A fresh workspace: a git layout (hooks, config), sources, a .env, an editor folder, symlinks out."""
    ws = base / f"ws-{next(_numbers)}"
    (ws / ".git" / "hooks").mkdir(parents=True)
    (ws / ".git" / "config").write_text("[core]\n\tbare = false\n")
    (ws / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (ws / ".vscode").mkdir()
    (ws / ".vscode" / "settings.json").write_text("{}\n")
    (ws / "src").mkdir()
    (ws / "src" / "app.py").write_text("print('hello')\n")
    (ws / "x.txt").write_text("movable\n")
    (ws / ".env").write_text(f"API_TOKEN={ENV_CANARY}\n")
    os.symlink(base / "outside", ws / "link-out")
    os.symlink(base / "outside" / "sentinel.txt", ws / "link-file")
    os.symlink(base / "outside" / "secret.txt", ws / "notes.txt")
    return ws


def snapshot(base: Path, skip: set[Path]) -> dict[str, tuple]:
    """Every path under base (but the skipped ones) with its type, size, mode and mtime."""
    out: dict[str, tuple] = {}
    for dirpath, dirnames, filenames in os.walk(base):
        here = Path(dirpath)
        dirnames[:] = [d for d in dirnames if here / d not in skip]
        for name in dirnames + filenames:
            p = here / name
            st = p.lstat()
            out[str(p.relative_to(base))] = (st.st_mode, st.st_size, st.st_mtime_ns)
    return out


class Listener:
    """A TCP server on loopback, outside any sandbox, that counts the connections it accepts."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            conn.close()

    def close(self) -> None:
        self.sock.close()


@pytest.fixture(scope="module")
def listener():
    server = Listener()
    yield server
    server.close()
