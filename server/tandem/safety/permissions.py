"""Decide whether a tool call may run: allow, ask the user, or deny, from the mode, the rules and past answers.

Deny beats ask beats allow. Only the user's answer (session/request_permission) turns an "ask" into a run: nothing
a tool returns or a file contains can change the mode, the rules or an answer.

- Bash: every part of a compound command must be allowed on its own; a deny on any part denies the whole. Commands
  run in the sandbox; with no sandbox, every command asks, whatever the rules and the mode.
- Writes outside the workspace (symlinks followed) and into `.git/`, `.tandem/` or editor settings always ask, in
  every mode, bypassPermissions included, and cannot be allowed "always".
- Reads outside the workspace and of likely secrets (`.env*`, `*.pem`, `*.key`, `id_*`, ~/.ssh...) ask unless a
  rule allows them (bypassPermissions allows the former, not secrets).
- Plan mode: no edits, no commands. Leaving it (ExitPlanMode) always asks.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from tandem_protocol import PermissionOption

from ..tools.base import PermissionAsk
from ..workspace import Workspace
from . import settings as settings_module
from .paths import looks_secret, protected_part
from .rules import Rule, allowed_by, exact_command_rule, first_hit
from .sandbox import Sandbox, SandboxOptions, detect

log = logging.getLogger(__name__)

Verdict = Literal["allow", "ask", "deny"]
WRITE_KINDS = ("edit", "delete", "move")
UNSANDBOXED = "allow_unsandboxed"  # the permission option that runs one command outside the sandbox
_GLOB_CHARS = set("*?[]{}")


@dataclass
class Policy:
    """The rules in force for a session, plus what the user allowed "always" during it."""

    allow: list[Rule] = field(default_factory=list)
    ask: list[Rule] = field(default_factory=list)
    deny: list[Rule] = field(default_factory=list)
    granted: list[Rule] = field(default_factory=list)
    edits_granted: bool = False
    sandbox: Sandbox | None = None  # None: commands run as they are, each after the user's approval
    sandbox_options: SandboxOptions = field(default_factory=SandboxOptions)
    root: Path | None = None  # where "allow always" answers are saved (.tandem/settings.local.json); None: not saved
    notices: list[str] = field(default_factory=list)  # for the user at session start (settings errors, no sandbox)

    # ---- the verdict --------------------------------------------------------------------------

    def decide(self, ask: PermissionAsk, mode: str, workspace: Workspace, *,
               sandboxed: bool = True) -> tuple[Verdict, str]:
        """The verdict and, for a denial, the reason (for an "ask", why it must be asked, if notable).
        `sandboxed=False`: the command will not run through the sandbox seam (e.g. in an ACP client's terminal)."""
        if ask.kind == "switch_mode":
            if any(r.covers(ask.tool) and r.pattern is None for r in self.deny):
                return "deny", f"{ask.tool} is denied by a permission rule"
            return "ask", "only the user can change the mode"
        if ask.tool == "Bash":
            return self._decide_command(ask.subject, mode, sandboxed)
        return self._decide_path(ask, mode, workspace)

    def _decide_command(self, command: str, mode: str, sandboxed: bool = True) -> tuple[Verdict, str]:
        hit = first_hit(self.deny, command)
        if hit is not None and hit[0] == "match":
            return "deny", f"`{hit[2]}` is denied by the permission rule {hit[1]}"
        if mode == "plan":
            return "deny", "Plan mode is on: no edits or commands until the user approves a plan (ExitPlanMode)"
        if self.sandbox is None or not sandboxed:
            return "ask", "commands are not sandboxed here"
        if hit is not None:  # a part that cannot be checked against the deny rules: the user decides
            return "ask", f"{hit[2]}, so it cannot be checked against the deny rules"
        if first_hit(self.ask, command) is not None:
            return "ask", ""
        if mode == "bypassPermissions":
            return "allow", ""
        if allowed_by(self.allow + self.granted, command):
            return "allow", ""
        return "ask", ""

    def _decide_path(self, ask: PermissionAsk, mode: str, workspace: Workspace) -> tuple[Verdict, str]:
        absolute = str(workspace.resolve(ask.subject)) if ask.subject else ""
        subject = workspace.relative(ask.subject) if ask.subject and workspace.contains(ask.subject) else absolute
        if any(r.matches(ask.tool, subject, absolute) for r in self.deny):
            return "deny", f"{ask.tool} is denied by a permission rule for {subject!r}"
        if ask.kind in WRITE_KINDS:
            if mode == "plan":
                return "deny", "Plan mode is on: no edits or commands until the user approves a plan (ExitPlanMode)"
            why = protected_part(absolute, workspace.root) if absolute else None
            if why is not None:
                return "ask", f"the path is protected ({why})"
        if any(r.matches(ask.tool, subject, absolute) for r in self.ask):
            return "ask", ""
        if ask.kind in WRITE_KINDS:
            if mode in ("bypassPermissions", "acceptEdits") or self.edits_granted:
                return "allow", ""
            return ("allow", "") if any(r.matches(ask.tool, subject, absolute) for r in self.allow) else ("ask", "")
        if ask.kind in ("read", "search") and absolute and (not workspace.contains(absolute) or looks_secret(absolute)):
            if any(r.matches(ask.tool, subject, absolute) for r in self.allow + self.granted):
                return "allow", ""
            if mode == "bypassPermissions" and not looks_secret(absolute):
                return "allow", ""
            return "ask", "outside the workspace" if not workspace.contains(absolute) else "a likely secret"
        if mode == "bypassPermissions" or any(r.matches(ask.tool, subject, absolute)
                                               for r in self.allow + self.granted):
            return "allow", ""
        return ("allow", "") if ask.kind in ("read", "search", "think", "fetch") else ("ask", "")

    def read_needs_check(self, tool: str, path: str | os.PathLike[str], workspace: Workspace) -> bool:
        """Must a read inside the workspace go through decide()? (a likely secret, or a read rule names it)"""
        if looks_secret(path):
            return True
        subject = workspace.relative(path)
        absolute = str(workspace.resolve(path))
        return any(r.pattern is not None and r.matches(tool, subject, absolute) for r in self.deny + self.ask)

    # ---- the question -------------------------------------------------------------------------

    def prompt_options(self, ask: PermissionAsk, workspace: Workspace, options: list[PermissionOption], *,
                       sandboxed: bool = True) -> list[PermissionOption]:
        """The options offered for `ask`: no "always" when it would not be honoured, and for a sandboxed command
        a separate option to run it outside the sandbox (only the user can pick it)."""
        out = [o for o in options if o.kind != "allow_always"
               or (self._rememberable(ask, workspace) and (sandboxed or ask.tool != "Bash"))]
        if ask.tool == "Bash":
            if self.sandbox is not None and sandboxed:
                at = next((i for i, o in enumerate(out) if o.kind.startswith("reject")), len(out))
                out.insert(at, PermissionOption(option_id=UNSANDBOXED, kind="allow_once",
                                                name="Allow once, outside the sandbox"))
            else:
                out = [PermissionOption(option_id=o.option_id, kind=o.kind,
                                        name="Allow (no sandbox here)" if o.kind == "allow_once" else o.name)
                       for o in out]
        for o in out:
            if o.kind == "allow_always" and ask.kind in ("read", "search"):
                o.name = "Always allow reading this"
        return out

    def _rememberable(self, ask: PermissionAsk, workspace: Workspace) -> bool:
        if ask.kind == "switch_mode":
            return False
        if ask.tool == "Bash":
            return self.sandbox is not None and exact_command_rule(ask.subject) is not None
        if ask.kind in WRITE_KINDS:
            return not ask.subject or protected_part(str(workspace.resolve(ask.subject)), workspace.root) is None
        return True

    def grant_always(self, ask: PermissionAsk, workspace: Workspace | None = None) -> None:
        """Remember an "allow always" answer, no broader than what was approved: the exact command (saved to
        the project's .tandem/settings.local.json), the file read (saved too), or edits for this session."""
        if ask.kind == "switch_mode":
            return
        if ask.kind in WRITE_KINDS:
            if workspace is not None and not self._rememberable(ask, workspace):
                return
            self.edits_granted = True  # "Allow all edits this session": not saved
            return
        if ask.tool == "Bash":
            if self.sandbox is None:
                return  # without a sandbox every command asks
            rule = exact_command_rule(ask.subject)
        else:
            path = ask.subject
            root = workspace.root if workspace is not None else self.root
            real = Path(os.path.realpath(path)) if path else None
            if root is not None and real is not None and (real == root or root in real.parents):
                path = str(Path(os.path.normpath(path)).relative_to(root)) if os.path.isabs(path) else path
            rule = Rule(ask.tool, path) if path and not (_GLOB_CHARS & set(path)) else None
        if rule is None:
            return
        self.granted.append(rule)
        if self.root is not None:
            try:
                saved = settings_module.save_allow_rule(self.root, rule)
                log.info("saved %s to %s", rule, saved)
            except settings_module.SaveError as e:
                log.warning("tandem: %s (the rule holds for this session only)", e)
                self.notices.append(f"Could not save the rule {rule}: {e}. It holds for this session only.")

    # ---- the sandbox --------------------------------------------------------------------------

    def wrap_argv(self, argv: list[str], workspace: Workspace, unsandboxed: bool = False) -> list[str]:
        """The argv a command runs with: inside the sandbox unless the user chose to run it outside."""
        if self.sandbox is None or unsandboxed:
            return argv
        return self.sandbox.wrap(argv, workspace.root, self.sandbox_options)

    def wrap_env(self, env: dict[str, str], workspace: Workspace, unsandboxed: bool = False) -> dict[str, str]:
        """The environment a command runs with: the sandbox's allowlist, or `env` outside the sandbox."""
        if self.sandbox is None or unsandboxed:
            return env
        return self.sandbox.env(workspace.root)

    @property
    def sandbox_name(self) -> str:
        return self.sandbox.name if self.sandbox is not None else "none"


def runs_in_sandbox(tool: Any) -> bool:
    """Does this tool run its commands through the sandbox seam (tools/bash.py's wrap_argv)? A replacement Bash
    (the ACP door's client-terminal Bash) does not, unless it says so with `sandboxed = True`."""
    from ..tools.bash import Bash

    return type(tool) is Bash or getattr(tool, "sandboxed", False) is True


def policy_for(root: str | os.PathLike[str], extra_allow: list[Rule] | tuple[Rule, ...] = (),
               **kw: Any) -> Policy:
    """The policy of a new session in `root`: the settings files' rules, the sandbox, and notices for the user."""
    root = Path(root)
    loaded = settings_module.load(root, extra_allow)
    sandbox, why = detect()
    if sandbox is not None and os.path.realpath(root) == "/":
        sandbox, why = None, "the workspace is the whole filesystem (/), so a sandbox would protect nothing"
    notices = [f"Settings: {e}" for e in loaded.errors]
    if sandbox is None:
        notices.append(f"Commands are not sandboxed: {why}. Every command will ask for your approval, and "
                       "bypassPermissions is not available.")
    elif sandbox.notes:
        log.warning("tandem: sandbox: %s", "; ".join(sandbox.notes))
    return Policy(allow=loaded.allow, ask=loaded.ask, deny=loaded.deny, sandbox=sandbox,
                  sandbox_options=SandboxOptions(network=loaded.network, max_processes=loaded.max_processes),
                  root=root, notices=notices, **kw)
