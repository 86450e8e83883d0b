"""The Bash sandbox: every command runs inside bubblewrap (bwrap).

Inside, the whole filesystem is read-only except the workspace; /tmp is private (a tmpfs); the network is a
private loopback unless the settings allow it; there is no other process to see (own pid namespace), no
capability (`--cap-drop ALL`, and a user namespace that cannot create more); the environment is an allowlist
(PATH, HOME, LANG, TERM, USER, SHELL...: no API keys); the number of processes is capped (a pids cgroup when
Tandem runs as root, `ulimit -u` otherwise) so a fork bomb only hurts itself. Inside the workspace, `.git/hooks`,
`.git/config`, `.tandem/` and editor settings (`.vscode/`, `.idea/`, `.nvim.lua`, ...) are mounted read-only, and
credentials folders of the home directory (`~/.ssh`, `~/.aws`, ...) are hidden.

When bwrap is missing or does not work here, `detect()` returns None with the reason, and every command asks.
"""

from __future__ import annotations

import atexit
import itertools
import logging
import os
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .paths import HOME_SECRET_DIRS, HOME_SECRET_FILES, PROTECTED_DIRS, PROTECTED_FILES

log = logging.getLogger(__name__)

BWRAP_ENV = "TANDEM_BWRAP"  # the bwrap to use; set to "none" to run without a sandbox (every command then asks)
ENV_ALLOWLIST = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "TERM", "USER", "LOGNAME", "SHELL", "TZ")
DEFAULT_MAX_PROCESSES = 1024
TMP_SIZE = 1 << 30  # the private /tmp
PROBE_TIMEOUT = 10.0
HANDOUT_GRACE = 2.0  # seconds a pooled cgroup stays reserved for the command it was handed to


@dataclass
class SandboxOptions:
    network: bool = False
    max_processes: int = DEFAULT_MAX_PROCESSES


@dataclass
class Sandbox:
    bwrap: str
    userns: bool  # --unshare-user --disable-userns work here
    cgroup: PidsCgroup | None = None  # root only: RLIMIT_NPROC does not bind uid 0
    notes: list[str] = field(default_factory=list)  # what is weaker than designed, for the user

    name = "bubblewrap"

    def wrap(self, argv: list[str], root: Path, options: SandboxOptions) -> list[str]:
        """`argv` run inside the sandbox with `root` writable. Keeps the process-group contract of bash.py:
        killing the group of the returned process (bwrap) ends the sandbox's whole pid namespace."""
        root = Path(os.path.realpath(root))
        args = [self.bwrap, *self.base_flags(options.network),
                "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
                "--size", str(TMP_SIZE), "--tmpfs", "/tmp",
                "--bind", str(root), str(root)]
        args += protected_binds(root)
        args += secret_masks(root)
        args += ["--clearenv"]  # again inside, in case the caller passed its own environment to bwrap
        for key, value in self.env(root).items():
            args += ["--setenv", key, value]
        args += ["--chdir", str(root)]
        inner = list(argv)
        limit = max(8, int(options.max_processes))
        prefix: list[str] = []
        if self.cgroup is not None:
            procs = self.cgroup.new(limit)
            if procs is not None:
                # join the limited cgroup, then become bwrap (same pid: bash.py still kills the right group)
                prefix = ["/bin/sh", "-c", 'echo $$ > "$0" && exec "$@"', str(procs)]
        if not prefix:  # RLIMIT_NPROC, set inside the user namespace so it counts only the sandbox's processes
            ulimit = f"ulimit -u {_nproc_limit(limit)} || exit 125; "
            if len(inner) == 3 and inner[:2] == ["/bin/bash", "-c"]:
                inner = ["/bin/bash", "-c", ulimit + inner[2]]  # same line: error messages keep their line numbers
            else:
                inner = ["/bin/bash", "-c", ulimit + 'exec "$@"', "bash", *inner]
        return [*prefix, *args, "--", *inner]

    def env(self, root: Path) -> dict[str, str]:
        """The environment of bwrap and of the command: an allowlist (bwrap's own environment is readable from
        inside, as /proc/1/environ, so it must not hold more than the command may see)."""
        env = {key: os.environ[key] for key in ENV_ALLOWLIST if key in os.environ}
        env.update({"TMPDIR": "/tmp", "PWD": str(Path(os.path.realpath(root)))})
        return env

    def base_flags(self, network: bool) -> list[str]:
        flags = ["--unshare-pid", "--unshare-ipc", "--unshare-uts", "--die-with-parent", "--new-session"]
        if not network:
            flags.append("--unshare-net")
        if self.userns:
            flags += ["--unshare-user", "--disable-userns"]
        return flags + ["--cap-drop", "ALL"]


def protected_binds(root: Path) -> list[str]:
    """Read-only mounts over the workspace's protected paths (so a command cannot plant a git hook, change the
    permission rules or an editor's settings). `.tandem/` and `.git/hooks` are created when missing (empty
    folders: git ignores them); other editor folders are protected only when they exist (creating them would
    leave traces in the user's tree)."""
    out: list[str] = []
    git = root / ".git"
    if git.is_dir() and not git.is_symlink():
        out += ["--bind", str(git), str(git)]  # a mount point: `mv .git elsewhere` fails
        hooks = git / "hooks"
        try:
            hooks.mkdir(exist_ok=True)
        except OSError:
            pass
        for p in (hooks, git / "config"):
            if p.exists() and not p.is_symlink():
                out += ["--ro-bind", str(p), str(p)]
    elif git.exists() or git.is_symlink():
        out += ["--ro-bind", str(git), str(git)]
    tandem = root / ".tandem"
    try:
        tandem.mkdir(exist_ok=True)
    except OSError:
        pass
    for name in sorted((PROTECTED_DIRS | PROTECTED_FILES) - {".git"}):
        p = root / name
        if p.is_symlink():
            out += ["--ro-bind", str(p), str(p)] if _inside(p, root) else []
        elif p.exists():
            out += ["--ro-bind", str(p), str(p)]
    return out


def secret_masks(root: Path) -> list[str]:
    """Hide credentials folders and files of the home directory, and Tandem's own session logs."""
    out: list[str] = []
    home = Path(os.path.expanduser("~"))
    state = Path(os.environ.get("XDG_STATE_HOME") or home / ".local" / "state") / "tandem"
    dirs = [home / d for d in HOME_SECRET_DIRS] + [state]
    for d in dirs:
        if d.is_dir() and not d.is_symlink() and not _inside(root, d):
            out += ["--tmpfs", str(d)]
    for f in HOME_SECRET_FILES:
        p = home / f
        if p.is_file() and not p.is_symlink():
            out += ["--ro-bind", "/dev/null", str(p)]
    return out


def _inside(path: Path, root: Path) -> bool:
    real = Path(os.path.realpath(path))
    root = Path(os.path.realpath(root))
    return real == root or root in real.parents


def _nproc_limit(limit: int) -> int:
    import resource

    _, hard = resource.getrlimit(resource.RLIMIT_NPROC)
    return limit if hard == resource.RLIM_INFINITY else min(limit, hard)


# ---- a pids cgroup per command (when running as root) ------------------------------------------


class PidsCgroup:
    """`<pids hierarchy>/<our cgroup>/tandem-<pid>/cmd-<n>` with pids.max set. Making and removing a cgroup costs
    milliseconds, so they are pooled: a command gets one that no process uses any more (and its limit is set
    again when it changed); all are removed at exit."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._limits: dict[Path, int] = {}  # pooled cgroups and the pids.max they hold
        self._handed: dict[Path, float] = {}  # when each was last handed out (its command may not have joined yet)

    @classmethod
    def create(cls) -> PidsCgroup | None:
        for parent in _pids_parents():
            _remove_stale(parent)
            base = parent / f"tandem-{os.getpid()}"
            try:
                base.mkdir(exist_ok=True)
                probe = base / "probe"
                probe.mkdir(exist_ok=True)
                (probe / "pids.max").write_text("16")
                probe.rmdir()
            except OSError:
                _rmdir(base)
                continue
            group = cls(base)
            atexit.register(group.close)
            return group
        return None

    def new(self, limit: int) -> Path | None:
        """The cgroup.procs file of an unused cgroup limited to `limit` processes (None if none can be made)."""
        with self._lock:
            now = time.monotonic()
            path = next((p for p in self._limits if now - self._handed.get(p, 0) > HANDOUT_GRACE and _unused(p)),
                        None)
            try:
                if path is None:
                    path = self.base / f"cmd-{next(self._ids)}"
                    path.mkdir()
                if self._limits.get(path) != limit:
                    (path / "pids.max").write_text(str(limit))
                self._limits[path] = limit
                self._handed[path] = now
            except OSError as e:
                log.warning("could not make a pids cgroup: %s", e)
                if path is not None and path not in self._limits:
                    _rmdir(path)
                return None
            return path / "cgroup.procs"

    def close(self) -> None:
        for path in list(self._limits):
            _rmdir(path)
        _rmdir(self.base)


def _unused(path: Path) -> bool:
    try:
        return not (path / "cgroup.procs").read_text().strip()
    except OSError:
        return False


def _pids_parents() -> list[Path]:
    """Where we may make a child cgroup with a pids controller: our own cgroup in the v1 pids hierarchy, or
    in the v2 hierarchy."""
    out: list[Path] = []
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return out
    mounts = _cgroup_mounts()
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if "pids" in controllers.split(",") and "pids" in mounts:
            out.append(Path(mounts["pids"]) / path.lstrip("/"))
        elif controllers == "" and "" in mounts:
            out.append(Path(mounts[""]) / path.lstrip("/"))
    return out


def _cgroup_mounts() -> dict[str, str]:
    mounts: dict[str, str] = {}
    try:
        text = Path("/proc/self/mounts").read_text()
    except OSError:
        return mounts
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 4:
            continue
        if fields[2] == "cgroup" and "pids" in fields[3].split(","):
            mounts["pids"] = fields[1]
        elif fields[2] == "cgroup2" and "" not in mounts:
            mounts[""] = fields[1]
    return mounts


def _remove_stale(parent: Path) -> None:
    """Cgroups left by Tandem processes that are gone."""
    try:
        entries = list(parent.glob("tandem-*"))
    except OSError:
        return
    for entry in entries:
        pid = entry.name.removeprefix("tandem-")
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            for child in entry.glob("*"):
                if child.is_dir():
                    _rmdir(child)
            _rmdir(entry)


def _rmdir(path: Path) -> None:
    try:
        path.rmdir()
    except OSError:
        pass


# ---- detection --------------------------------------------------------------------------------

_detected: tuple[Sandbox | None, str] | None = None
_detect_lock = threading.Lock()


def detect() -> tuple[Sandbox | None, str]:
    """The sandbox to use (probed once per process: about 10 ms), or None and why not."""
    global _detected
    with _detect_lock:
        if _detected is None:
            _detected = _probe()
            sandbox, why = _detected
            if sandbox is None:
                log.warning("tandem: no sandbox for commands: %s. Every command will ask for approval.", why)
        return _detected


def detect_in_background() -> None:
    """Start the probe on a thread (it waits on a bwrap process, off the GIL) so that the first session need not."""
    if _detected is None:
        threading.Thread(target=detect, name="tandem-sandbox-probe", daemon=True).start()


def reset_detection() -> None:
    """Forget the probe (tests)."""
    global _detected
    with _detect_lock:
        _detected = None


def _probe() -> tuple[Sandbox | None, str]:
    setting = os.environ.get(BWRAP_ENV)
    if setting is not None and setting.strip().lower() in ("", "none", "off"):
        return None, f"{BWRAP_ENV} is set to {setting!r}"
    bwrap = setting or shutil.which("bwrap")
    if not bwrap or not os.access(bwrap, os.X_OK):
        return None, ("bubblewrap (bwrap) is not installed: install it (apt-get install bubblewrap, "
                      "dnf install bubblewrap, pacman -S bubblewrap) and start a new session")
    errors = []
    for userns in (True, False):
        sandbox = Sandbox(bwrap, userns)
        argv = [bwrap, *sandbox.base_flags(False), "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
                "--size", str(TMP_SIZE), "--tmpfs", "/tmp", "--clearenv", "--", "/bin/sh", "-c", "exit 0"]
        try:
            done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=PROBE_TIMEOUT,
                                  check=False)
        except (OSError, subprocess.TimeoutExpired) as e:
            errors.append(str(e))
            continue
        if done.returncode == 0:
            break
        errors.append(done.stderr.decode(errors="replace").strip() or f"exit code {done.returncode}")
    else:
        return None, f"bubblewrap does not work here ({'; '.join(errors)})"
    if not sandbox.userns:
        sandbox.notes.append("no user namespace: nested namespaces are not blocked")
    if os.geteuid() == 0:
        sandbox.cgroup = PidsCgroup.create()
        if sandbox.cgroup is None:
            sandbox.notes.append("running as root without a pids cgroup: the process limit does not apply")
    return sandbox, ""
