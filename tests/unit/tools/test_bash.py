"""Bash: permission, output, exit codes, timeouts, cancellation, streaming, caps, environment."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import msgspec
import psutil
import pytest

from tandem.tools.base import Decision, input_schema
from tandem.tools.bash import Bash, Output, build_argv, child_env, clamp_timeout

BASH = Bash()


def gone(pid: int, wait: float = 1.0) -> bool:
    """Dead (or a zombie: an orphan's reaper may be slow) within `wait` seconds; SIGKILL lands asynchronously."""
    deadline = time.monotonic() + wait
    while True:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)


async def wait_for_file(path: Path, timeout: float = 5.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return path.read_text().strip()
        await asyncio.sleep(0.01)
    raise AssertionError(f"{path} never written")


async def test_runs_in_root_and_asks_first(ctx, root, run):
    res = await run(BASH, ctx, command="pwd; echo err >&2", description="Show dir")
    assert not res.is_error
    assert res.output == f"{root}\nerr"
    (ask,) = ctx.asks
    assert ask.tool == "Bash" and ask.kind == "execute" and ask.subject == "pwd; echo err >&2"
    assert "pwd; echo err >&2" in ask.content[0].content.text
    assert res.raw_output["exit_code"] == 0


async def test_refused(ctx, root, run):
    ctx.decision = Decision(allowed=False, reason="rm is not allowed here", feedback="use git clean instead")
    res = await run(BASH, ctx, command=f"touch {root}/made")
    assert res.is_error
    assert "refused" in res.output and "rm is not allowed here" in res.output and "use git clean" in res.output
    assert not (root / "made").exists()


async def test_exit_code_reported(ctx, run):
    res = await run(BASH, ctx, command="echo partial; exit 3")
    assert res.is_error
    assert res.output == "partial\n\nExit code 3"
    assert res.raw_output["exit_code"] == 3


async def test_no_output(ctx, run):
    res = await run(BASH, ctx, command="true")
    assert res.output == "(no output)" and not res.is_error


async def test_stdin_is_empty(ctx, run):
    res = await run(BASH, ctx, command="cat; echo done", timeout=5000)
    assert res.output == "done"


async def test_empty_command_is_an_error(ctx, run):
    res = await run(BASH, ctx, command="   ")
    assert res.is_error and ctx.asks == []


async def test_timeout_kills_the_group(ctx, root, run):
    pidfile = root / "child.pid"
    start = time.monotonic()
    res = await run(BASH, ctx, command=f"sleep 30 & echo $! > {pidfile}; echo started; wait", timeout=500)
    assert time.monotonic() - start < 3
    assert res.is_error and "timed out after 0.5s" in res.output and "started" in res.output
    assert res.raw_output["timed_out"] is True
    assert gone(int(pidfile.read_text()))


async def test_timeout_escalates_to_sigkill(ctx, root, run):
    pidfile = root / "stubborn.pid"
    cmd = f"trap '' TERM; sleep 30 & echo $! > {pidfile}; while true; do sleep 0.05; done"
    start = time.monotonic()
    res = await run(BASH, ctx, command=cmd, timeout=300)
    assert time.monotonic() - start < 3
    assert "timed out" in res.output
    assert gone(int(pidfile.read_text()))


async def test_cancel_kills_the_process_tree(ctx, root):
    pidfile = root / "pids"
    inp = msgspec.convert({"command": f"sleep 30 & echo $$ $! > {pidfile}; wait"}, Bash.Input)
    task = asyncio.ensure_future(BASH.run(inp, ctx))
    shell, child = map(int, (await wait_for_file(pidfile)).split())
    assert not gone(child, wait=0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert gone(shell) and gone(child)


async def test_background_job_holding_pipe_is_ended(ctx, root, run):
    pidfile = root / "bg.pid"
    start = time.monotonic()
    res = await run(BASH, ctx, command=f"sleep 30 & echo $! > {pidfile}; echo main done")
    assert time.monotonic() - start < 3
    assert res.output == "main done" and not res.is_error
    assert gone(int(pidfile.read_text()))


async def test_redirected_background_job_survives(ctx, root, run):
    pidfile = root / "bg.pid"
    res = await run(BASH, ctx, command=f"nohup sleep 30 > /dev/null 2>&1 & echo $! > {pidfile}")
    assert not res.is_error
    pid = int(pidfile.read_text())
    try:
        assert not gone(pid, wait=0.3)
    finally:
        psutil.Process(pid).kill()


async def test_output_is_capped_head_and_tail(ctx, run):
    res = await run(BASH, ctx, command="seq 1 100000")
    assert len(res.output) < 30_200
    assert res.output.startswith("1\n2\n3\n")
    assert res.output.endswith("99999\n100000")
    assert "characters cut" in res.output
    assert res.raw_output["output_chars"] == sum(len(f"{i}\n") for i in range(1, 100001))


async def test_progress_is_streamed_but_throttled(ctx, run):
    res = await run(BASH, ctx, command="for i in $(seq 1 30); do echo line$i; sleep 0.02; done")
    assert "line30" in res.output
    updates = [u for u in ctx.progress_updates if u["content"]]
    assert 2 <= len(updates) <= 12  # ~0.6s of output, one update per 100 ms at most
    texts = [u["content"][0].content.text for u in updates]
    assert texts[0].startswith("line1")
    assert all(len(a) <= len(b) for a, b in zip(texts, texts[1:]))


async def test_secrets_are_not_passed(ctx, run, monkeypatch):
    for name in ["ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "GITHUB_TOKEN", "DB_PASSWORD", "my_secret_thing"]:
        monkeypatch.setenv(name, "hunter2")
    monkeypatch.setenv("TANDEM_PLAIN", "visible")
    res = await run(BASH, ctx, command="env")
    assert "hunter2" not in res.output
    assert "TANDEM_PLAIN=visible" in res.output


def test_child_env_filter():
    env = child_env({"PATH": "/bin", "AWS_SECRET_ACCESS_KEY": "x", "npm_token": "y", "HOME": "/h"})
    assert env == {"PATH": "/bin", "HOME": "/h"}


async def test_utf8_split_across_chunks():
    out = Output()
    data = "héllo wörld ✓".encode()
    for i in range(len(data)):
        out.feed(data[i : i + 1])
    out.feed(b"", final=True)
    assert out.text() == "héllo wörld ✓"


def test_timeout_is_clamped():
    assert clamp_timeout(None) == 120_000 and clamp_timeout(0) == 120_000 and clamp_timeout(-5) == 120_000
    assert clamp_timeout(10_000_000) == 600_000 and clamp_timeout(1500) == 1500


async def test_wrap_argv_hook(ctx, run):
    ctx.wrap_argv = lambda argv: ["/usr/bin/env", "WRAPPED=1", *argv]
    res = await run(BASH, ctx, command="echo $WRAPPED")
    assert res.output == "1"


def test_build_argv():
    assert build_argv("ls -la") == ["/bin/bash", "-c", "ls -la"]


def test_title_and_schema():
    assert BASH.title(Bash.Input(command="npm test")) == "npm test"
    long = Bash.Input(command="x" * 300, description="Do a long thing")
    assert BASH.title(long) == "Do a long thing"
    assert BASH.title(Bash.Input(command="a\nb")) == "a…"
    schema = input_schema(Bash.Input)
    assert schema["required"] == ["command"]
    assert len(json.dumps(schema)) + len(Bash.description) < 2000
