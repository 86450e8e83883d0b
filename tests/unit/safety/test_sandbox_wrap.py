"""The sandbox argv, and the Bash tool through it: timeouts and cancellation still end the whole command."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import msgspec
import pytest

from tandem.safety.permissions import Policy
from tandem.safety.sandbox import ENV_ALLOWLIST, Sandbox, SandboxOptions, detect, protected_binds
from tandem.tools.base import Decision, PermissionAsk
from tandem.tools.bash import Bash
from tandem.workspace import Workspace

SANDBOX, WHY = detect()
needs_bwrap = pytest.mark.skipif(SANDBOX is None, reason=f"no sandbox: {WHY}")


def test_argv_has_every_isolation_flag(tmp_path):
    (tmp_path / ".git" / "hooks").mkdir(parents=True)
    (tmp_path / ".git" / "config").write_text("")
    (tmp_path / ".vscode").mkdir()
    argv = Sandbox("/usr/bin/bwrap", True).wrap(["/bin/bash", "-c", "ls"], tmp_path, SandboxOptions())
    for flag in ("--unshare-net", "--unshare-pid", "--unshare-user", "--disable-userns", "--die-with-parent",
                 "--new-session", "--clearenv"):
        assert flag in argv
    assert argv[argv.index("--cap-drop") + 1] == "ALL"
    joined = " ".join(argv)
    root = str(tmp_path.resolve())
    assert "--ro-bind / / " in joined and f"--bind {root} {root}" in joined
    assert joined.index("--tmpfs /tmp") < joined.index(f"--bind {root} {root}")  # a workspace under /tmp survives
    for protected in (".git/hooks", ".git/config", ".tandem", ".vscode"):
        assert f"--ro-bind {root}/{protected} {root}/{protected}" in joined
    assert (tmp_path / ".tandem").is_dir()  # created so that it can be protected
    assert argv[-1] == "ulimit -u 1024 || exit 125; ls" or argv[-1] == "ls"
    no_net = Sandbox("/usr/bin/bwrap", True).wrap(["true"], tmp_path, SandboxOptions(network=True))
    assert "--unshare-net" not in no_net


def test_protected_binds_skip_what_does_not_exist(tmp_path):
    binds = " ".join(protected_binds(tmp_path))
    assert ".vscode" not in binds and ".git" not in binds and ".tandem" in binds


def test_environment_is_an_allowlist(tmp_path, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-secret")
    monkeypatch.setenv("INNOCENT", "x")
    env = Sandbox("/usr/bin/bwrap", True).env(tmp_path)
    assert set(env) <= set(ENV_ALLOWLIST) | {"TMPDIR", "PWD"}
    assert env["TMPDIR"] == "/tmp" and "ANTHROPIC_API_KEY" not in env


class Ctx:
    """A ToolContext whose Bash goes through a real policy's sandbox seam."""

    def __init__(self, root: Path, policy: Policy) -> None:
        self.workspace = Workspace(root)
        self.session_id, self.tool_call_id, self.read_files = "s", "c", {}
        self.policy = policy

    async def authorize(self, ask: PermissionAsk) -> Decision:
        return Decision(allowed=True)

    def progress(self, **kw) -> None:
        pass

    def wrap_argv(self, argv):
        return self.policy.wrap_argv(argv, self.workspace)

    def wrap_env(self, env):
        return self.policy.wrap_env(env, self.workspace)


def _alive(marker: str) -> bool:
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if marker in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace"):
                    return True
            except OSError:
                pass
    return False


async def _gone(marker: str, within: float = 3.0) -> bool:
    deadline = time.monotonic() + within
    while _alive(marker):
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


@needs_bwrap
async def test_timeout_ends_the_whole_sandbox(tmp_path):
    ctx = Ctx(tmp_path, Policy(sandbox=SANDBOX))
    inp = msgspec.convert({"command": "sleep 31.5 & sleep 31.5; : timeout-marker", "timeout": 500}, Bash.Input)
    result = await Bash().run(inp, ctx)
    assert result.is_error and "timed out" in result.output
    assert await _gone("31.5")


@needs_bwrap
async def test_cancel_ends_the_whole_sandbox(tmp_path):
    ctx = Ctx(tmp_path, Policy(sandbox=SANDBOX))
    inp = msgspec.convert({"command": "sleep 32.5 & sleep 32.5"}, Bash.Input)
    task = asyncio.ensure_future(Bash().run(inp, ctx))
    await asyncio.sleep(0.5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await _gone("32.5")


@needs_bwrap
async def test_runs_in_the_workspace_with_a_clean_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-secret-unit")
    ctx = Ctx(tmp_path, Policy(sandbox=SANDBOX))
    inp = msgspec.convert({"command": "pwd; env; echo made > here.txt; touch /etc/unit-pwn 2>&1 || true"},
                          Bash.Input)
    result = await Bash().run(inp, ctx)
    assert str(tmp_path.resolve()) in result.output and "sk-secret-unit" not in result.output
    assert "Read-only file system" in result.output
    assert (tmp_path / "here.txt").read_text() == "made\n"
