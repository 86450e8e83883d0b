"""Bash: runs a shell command at the workspace root, streaming its output, within a timeout.

Sandboxing seam: the argv comes from `build_argv(command)`, then, if the ToolContext has a
`wrap_argv(argv: list[str]) -> list[str]` attribute, from that (e.g. to prefix bwrap or sandbox-exec),
and the environment from `wrap_env(env) -> env` when the context has that too (the sandbox's allowlist).
The wrapper must keep the command in the same process group: timeouts and cancellation kill the group.
"""

from __future__ import annotations

import asyncio
import codecs
import os
import signal
from collections.abc import Mapping
from typing import Annotated, ClassVar

import msgspec
from msgspec import UNSET, UnsetType
from tandem_protocol import ToolCallLocation, ToolKind

from ..workspace import Workspace
from ._common import refusal, text_block
from .base import PermissionAsk, ToolContext, ToolError, ToolResult

DEFAULT_TIMEOUT_MS = 120_000
MAX_TIMEOUT_MS = 600_000
MAX_OUTPUT_CHARS = 30_000
HEAD_CHARS = 10_000  # of the kept output; the tail (where errors and summaries land) gets the rest
PROGRESS_INTERVAL = 0.1
PROGRESS_CHARS = 8_000
TERM_GRACE = 0.2  # seconds between SIGTERM and SIGKILL
PIPE_GRACE = 0.2  # after the shell exits, how long its background jobs may keep the output pipe open
SECRET_MARKERS = ("KEY", "TOKEN", "SECRET", "PASSWORD")

DESCRIPTION = """\
Runs a bash command and returns its output (stdout and stderr merged).
- Each call is a fresh shell in the workspace root: cd, variables and aliases do not persist. \
Chain steps with && in one command.
- No stdin and no terminal: interactive commands fail. Use non-interactive flags (git commit -m, \
npm init -y).
- Quote paths with spaces. Prefer Read, Grep and Glob over cat, grep and find.
- Timeout defaults to 2 minutes (max 10). Output beyond 30000 characters is cut in the middle.
- Background jobs still holding the output when the command ends are killed; redirect their \
output (cmd > log 2>&1 &) to keep them running.
- Give a short description of what the command does."""


class BashInput(msgspec.Struct, kw_only=True):
    command: Annotated[str, msgspec.Meta(description="The command to run")]
    timeout: Annotated[
        int | UnsetType, msgspec.Meta(description="Timeout in milliseconds (default 120000, max 600000)")
    ] = UNSET
    description: Annotated[
        str | UnsetType, msgspec.Meta(description="What the command does, in 5-10 words (e.g. 'Run the unit tests')")
    ] = UNSET


def build_argv(command: str) -> list[str]:
    """The argv that runs `command`. The one place a sandbox wrapper would change (see the module doc)."""
    return ["/bin/bash", "-c", command]


def clamp_timeout(ms: int | None) -> int:
    """The timeout to use, in ms: the default when absent or not positive, never above the maximum."""
    return DEFAULT_TIMEOUT_MS if not ms or ms <= 0 else min(ms, MAX_TIMEOUT_MS)


def child_env(environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """The environment minus anything that looks like a credential: the model sees all output."""
    return {k: v for k, v in environ.items() if not any(m in k.upper() for m in SECRET_MARKERS)}


class Output:
    """Merged output, decoded as it arrives; past the cap only the head and the tail are kept."""

    def __init__(self, cap: int = MAX_OUTPUT_CHARS, head: int = HEAD_CHARS) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._head_cap, self._tail_cap = head, cap - head
        self.head = ""
        self._tail = ""
        self.total = 0  # characters seen

    def feed(self, data: bytes, final: bool = False) -> None:
        text = self._decoder.decode(data, final)
        self.total += len(text)
        if len(self.head) < self._head_cap:
            room = self._head_cap - len(self.head)
            self.head += text[:room]
            text = text[room:]
        self._tail += text
        if len(self._tail) > 2 * self._tail_cap:  # trim in batches, not on every chunk
            self._tail = self._tail[-self._tail_cap :]

    @property
    def tail(self) -> str:
        return self._tail[-self._tail_cap :]

    def text(self) -> str:
        tail = self.tail
        cut = self.total - len(self.head) - len(tail)
        if cut <= 0:
            return self.head + tail
        return f"{self.head}\n\n[... {cut} characters cut ...]\n\n{tail}"

    def last(self, n: int) -> str:
        """The final n characters kept, for progress updates."""
        tail = self.tail
        return tail[-n:] if len(tail) >= n else (self.head + tail)[-n:]


class Bash:
    name: ClassVar[str] = "Bash"
    kind: ClassVar[ToolKind] = "execute"
    description: ClassVar[str] = DESCRIPTION
    Input: ClassVar[type[msgspec.Struct]] = BashInput
    mutates: ClassVar[bool] = True

    def title(self, inp: BashInput, workspace: Workspace | None = None) -> str:
        command = inp.command.strip()
        if "\n" not in command and len(command) <= 120:
            return command
        if inp.description:
            return inp.description
        first = command.split("\n", 1)[0]
        return first[:119] + "…"

    def locations(self, inp: BashInput, workspace: Workspace) -> list[ToolCallLocation]:
        return []

    async def run(self, inp: BashInput, ctx: ToolContext) -> ToolResult:
        if not inp.command.strip():
            raise ToolError("The command is empty.")
        shown = f"```sh\n{inp.command}\n```" if "```" not in inp.command else inp.command
        decision = await ctx.authorize(
            PermissionAsk(
                tool="Bash", kind="execute", title=self.title(inp), subject=inp.command, content=[text_block(shown)]
            )
        )
        if not decision.allowed:
            return ToolResult(output=refusal(decision, "The command"), is_error=True)

        timeout_ms = clamp_timeout(inp.timeout)
        argv = build_argv(inp.command)
        env = child_env()
        wrap = getattr(ctx, "wrap_argv", None)
        if callable(wrap):
            argv = wrap(argv)
            wrap_env = getattr(ctx, "wrap_env", None)
            env = wrap_env(env) if callable(wrap_env) else env
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv,
                cwd=ctx.workspace.root,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                env=env,
                start_new_session=True,  # its own process group, so the whole tree can be killed
            )
        except OSError as e:
            raise ToolError(f"Could not start the shell: {e}") from None

        out = Output()
        ticker = asyncio.ensure_future(_report_progress(ctx, out))
        timed_out = False
        try:
            await asyncio.wait_for(_pump(proc, out), timeout_ms / 1000)
        except TimeoutError:
            timed_out = True
            await _kill_group(proc)
        except asyncio.CancelledError:
            # Shielded: a second cancel must not leave the tree running.
            await asyncio.shield(_kill_group(proc))
            raise
        finally:
            ticker.cancel()
        out.feed(b"", final=True)

        code = proc.returncode
        output = out.text().rstrip("\n") or "(no output)"
        if timed_out:
            output += f"\n\nCommand timed out after {timeout_ms / 1000:g}s and was killed."
        elif code:
            output += f"\n\nExit code {code}" if code > 0 else f"\n\nKilled by signal {-code}"
        if decision.feedback:
            output += f"\n\nUser feedback (given when allowing the command): {decision.feedback}"
        return ToolResult(
            output=output,
            is_error=timed_out or bool(code),
            raw_output={"exit_code": code, "timed_out": timed_out, "output_chars": out.total},
        )


async def _pump(proc: asyncio.subprocess.Process, out: Output) -> None:
    """Read output until the shell has exited and the pipe is closed (or held past PIPE_GRACE by a job)."""
    assert proc.stdout is not None
    stdout = proc.stdout

    async def read_all() -> None:
        while chunk := await stdout.read(1 << 16):
            out.feed(chunk)

    reader = asyncio.ensure_future(read_all())
    try:
        while not reader.done() and proc.returncode is None:
            await asyncio.wait({reader}, timeout=0.05)
        await _exited(proc, None)
        if not reader.done() and not (await asyncio.wait({reader}, timeout=PIPE_GRACE))[0]:
            # A background job still holds the pipe: it goes with the command, as on a terminal's hangup.
            await _kill_group(proc)
            await asyncio.wait({reader}, timeout=PIPE_GRACE)
    finally:
        reader.cancel()


async def _exited(proc: asyncio.subprocess.Process, timeout: float | None) -> bool:
    """Whether the shell has exited (within `timeout`). Polled: in Python 3.11 proc.wait() also waits
    for every pipe to close, which a background job can hold open forever."""
    loop = asyncio.get_running_loop()
    deadline = None if timeout is None else loop.time() + timeout
    while proc.returncode is None:
        if deadline is not None and loop.time() >= deadline:
            return False
        await asyncio.sleep(0.01)
    return True


async def _kill_group(proc: asyncio.subprocess.Process) -> None:
    """SIGTERM to the command's process group, SIGKILL shortly after to whatever is left."""
    _signal_group(proc.pid, signal.SIGTERM)
    await _exited(proc, TERM_GRACE)
    _signal_group(proc.pid, signal.SIGKILL)
    await _exited(proc, 2.0)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


async def _report_progress(ctx: ToolContext, out: Output) -> None:
    """The output so far, at most every PROGRESS_INTERVAL: never one update per chunk."""
    sent = 0
    while True:
        await asyncio.sleep(PROGRESS_INTERVAL)
        if out.total != sent:
            sent = out.total
            ctx.progress(content=[text_block(out.last(PROGRESS_CHARS))])
