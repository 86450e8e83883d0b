"""Decide whether a tool call may run: allow, ask the user, or deny, from the mode, the rules and past answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ..tools.base import PermissionAsk
from ..workspace import Workspace
from .rules import Rule

Verdict = Literal["allow", "ask", "deny"]
PROTECTED_DIRS = (".git", ".tandem", ".vscode", ".idea")


@dataclass
class Policy:
    """The rules in force for a session, plus what the user allowed "always" during it."""

    allow: list[Rule] = field(default_factory=list)
    ask: list[Rule] = field(default_factory=list)
    deny: list[Rule] = field(default_factory=list)
    granted: list[Rule] = field(default_factory=list)
    edits_granted: bool = False

    def decide(self, ask: PermissionAsk, mode: str, workspace: Workspace) -> tuple[Verdict, str]:
        """The verdict and, for a denial, the reason. Deny beats ask beats allow."""
        subject = _rule_subject(ask, workspace)
        if any(r.matches(ask.tool, subject) for r in self.deny):
            return "deny", f"{ask.tool} is denied by a permission rule for {subject!r}"
        if mode == "plan" and ask.kind in ("edit", "execute", "delete", "move"):
            return "deny", "Plan mode is on: no edits or commands until the user approves a plan (ExitPlanMode)"
        if ask.kind in ("edit", "delete", "move") and _protected(ask.subject, workspace):
            return "ask", ""  # outside the workspace or in a protected folder: always the user's call
        if any(r.matches(ask.tool, subject) for r in self.ask):
            return "ask", ""
        if mode == "bypassPermissions":
            return "allow", ""
        if ask.kind == "edit" and (mode == "acceptEdits" or self.edits_granted):
            return "allow", ""
        if any(r.matches(ask.tool, subject) for r in self.allow + self.granted):
            return "allow", ""
        return "ask", ""

    def grant_always(self, ask: PermissionAsk) -> None:
        """Remember an "allow always" answer, no broader than what was approved."""
        if ask.kind == "edit":
            self.edits_granted = True
        else:
            self.granted.append(Rule(ask.tool, ask.subject))


def _rule_subject(ask: PermissionAsk, workspace: Workspace) -> str:
    if ask.tool == "Bash":
        return ask.subject
    return workspace.relative(ask.subject) if ask.subject else ""


def _protected(path: str, workspace: Workspace) -> bool:
    if not workspace.contains(path):
        return True
    parts = Path(workspace.relative(path)).parts
    return bool(parts) and parts[0] in PROTECTED_DIRS
