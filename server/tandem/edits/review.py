"""The session's change log: what the agent changed, per turn; reverting its hunks and rewinding turns without
touching anything the user wrote since (an overlap is reported, never clobbered)."""

from __future__ import annotations

from dataclasses import dataclass, field

import msgspec

from .diff import Hunk, apply_hunks, compute_hunks
from .proposals import EditProposal, Stale


class AgentChange(msgspec.Struct, kw_only=True):
    """One change the agent applied: the file's text just before and just after (None: the file did not exist)."""

    turn: int
    path: str
    before: str | None
    after: str

    def hunks(self) -> list[Hunk]:
        return compute_hunks(self.before or "", self.after)


@dataclass
class UndoPlan:
    """What undoing some agent changes would write: new texts per path (None: delete), and the conflicts."""

    texts: dict[str, str | None] = field(default_factory=dict)
    conflicts: dict[str, str] = field(default_factory=dict)  # path -> why


class ReviewLog:
    """Every agent change of one session, in order; persisted by the session, rebuilt on load."""

    def __init__(self, changes: list[AgentChange] | None = None) -> None:
        self.changes: list[AgentChange] = list(changes or [])

    def record(self, change: AgentChange) -> None:
        self.changes.append(change)

    def paths(self) -> list[str]:
        seen: dict[str, None] = {}
        for change in self.changes:
            seen.setdefault(change.path, None)
        return list(seen)

    def baseline(self, path: str) -> str | None:
        """The file before the session first changed it (None: the session created it)."""
        return next(c.before for c in self.changes if c.path == path)

    def turns(self, path: str) -> list[int]:
        return sorted({c.turn for c in self.changes if c.path == path})

    def agent_hunks(self, path: str) -> list[Hunk]:
        return [h for c in self.changes if c.path == path for h in c.hunks()]

    def plan_revert(self, path: str, current: str | None, hunk_ids: list[str] | None = None) -> UndoPlan:
        """Undo the agent's hunks in `path` (the named ones, or all), newest change first, over `current`."""
        changes = [c for c in self.changes if c.path == path]
        return self._undo(path, current, changes, None if hunk_ids is None else set(hunk_ids))

    def plan_rewind(self, turn: int, read_current) -> UndoPlan:
        """Undo every change from `turn` on, in every file; `read_current(path)` gives a file's text now."""
        plan = UndoPlan()
        for path in self.paths():
            changes = [c for c in self.changes if c.path == path and c.turn >= turn]
            if changes:
                sub = self._undo(path, read_current(path), changes, None)
                plan.texts.update(sub.texts)
                plan.conflicts.update(sub.conflicts)
        return plan

    def _undo(self, path: str, current: str | None, changes: list[AgentChange], ids: set[str] | None) -> UndoPlan:
        plan = UndoPlan()
        if ids is not None:
            known = {h.id for c in changes for h in c.hunks()}
            unknown = ids - known
            if unknown:
                plan.conflicts[path] = f"no agent hunk with id {', '.join(sorted(unknown))} in {path}"
                return plan
        text = current
        for change in reversed(changes):
            chosen = [h for h in change.hunks() if ids is None or h.id in ids]
            if not chosen:
                continue
            if text is None:
                plan.conflicts[path] = f"{path} no longer exists"
                return plan
            if change.before is None and ids is None:
                if text != change.after:
                    plan.conflicts[path] = f"{path} was created by the agent and has been edited since: kept"
                    return plan
                text = None  # created by the agent and untouched since: remove it
                continue
            inverse = EditProposal(path, change.after, apply_hunks(change.after, [_inverse(h) for h in chosen]))
            result = inverse.apply_over(text, inverse.hunk_ids)
            if isinstance(result, Stale):
                plan.conflicts[path] = (f"the user's later edits in {path} overlap the agent's change "
                                        f"(turn {change.turn}): left as it is")
                return plan
            text = result
        if text != current:
            plan.texts[path] = text
        return plan


def _inverse(hunk: Hunk) -> Hunk:
    """The hunk that undoes `hunk`, positioned in the text after it."""
    return Hunk(id=hunk.id, old_start=hunk.new_start, old_lines=hunk.new_lines, new_start=hunk.new_start,
                new_lines=hunk.old_lines, removed=hunk.added, added=hunk.removed, removed_text=hunk.added_text,
                added_text=hunk.removed_text)
