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


class HunksReverted(msgspec.Struct, kw_only=True):
    """Agent hunks a revert or rewind put back: (index of their change in the log, hunk id)."""

    hunks: list[tuple[int, str]]


@dataclass
class UndoPlan:
    """What undoing some agent changes would write: new texts per path (None: delete), and the conflicts."""

    texts: dict[str, str | None] = field(default_factory=dict)
    conflicts: dict[str, str] = field(default_factory=dict)  # path -> why
    undone: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # path -> the hunks it puts back

    def merge(self, other: UndoPlan) -> None:
        self.texts.update(other.texts)
        self.conflicts.update(other.conflicts)
        self.undone.update(other.undone)


class ReviewLog:
    """Every agent change of one session, in order, and which of their hunks were reverted since; persisted by the
    session (both kinds of entry, in order), rebuilt on load."""

    def __init__(self, entries: list[AgentChange | HunksReverted] | None = None) -> None:
        self.changes: list[AgentChange] = []
        self.reverted: set[tuple[int, str]] = set()
        for entry in entries or []:
            if isinstance(entry, HunksReverted):
                self.reverted.update((int(i), str(h)) for i, h in entry.hunks)
            else:
                self.changes.append(entry)

    def record(self, change: AgentChange) -> None:
        self.changes.append(change)

    def mark_reverted(self, hunks: list[tuple[int, str]]) -> HunksReverted:
        """Remember hunks as put back (a second revert of them is then nothing to do); the entry to persist."""
        self.reverted.update(hunks)
        return HunksReverted(hunks=sorted(set(hunks)))

    def _of(self, path: str, since_turn: int = 0) -> list[tuple[int, AgentChange]]:
        return [(i, c) for i, c in enumerate(self.changes) if c.path == path and c.turn >= since_turn]

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
        """The agent's hunks in `path` that are still in effect (not reverted)."""
        return [h for i, c in self._of(path) for h in c.hunks() if (i, h.id) not in self.reverted]

    def plan_revert(self, path: str, current: str | None, hunk_ids: list[str] | None = None) -> UndoPlan:
        """Undo the agent's hunks in `path` (the named ones, or all), newest change first, over `current`."""
        return self._undo(path, current, self._of(path), None if hunk_ids is None else set(hunk_ids))

    def plan_rewind(self, turn: int, read_current) -> UndoPlan:
        """Undo every change from `turn` on, in every file; `read_current(path)` gives a file's text now."""
        plan = UndoPlan()
        for path in self.paths():
            changes = self._of(path, since_turn=turn)
            if changes:
                plan.merge(self._undo(path, read_current(path), changes, None))
        return plan

    def _undo(self, path: str, current: str | None, changes: list[tuple[int, AgentChange]],
              ids: set[str] | None) -> UndoPlan:
        plan = UndoPlan()
        if ids is not None:
            known = {h.id for _, c in changes for h in c.hunks()}
            unknown = ids - known
            if unknown:
                plan.conflicts[path] = f"no agent hunk with id {', '.join(sorted(unknown))} in {path}"
                return plan
        text, undone = current, []
        for index, change in reversed(changes):
            chosen = [h for h in change.hunks()
                      if (ids is None or h.id in ids) and (index, h.id) not in self.reverted]
            if not chosen:
                continue
            undone += [(index, h.id) for h in chosen]
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
        if undone:
            plan.undone[path] = undone
        return plan


def _inverse(hunk: Hunk) -> Hunk:
    """The hunk that undoes `hunk`, positioned in the text after it."""
    return Hunk(id=hunk.id, old_start=hunk.new_start, old_lines=hunk.new_lines, new_start=hunk.new_start,
                new_lines=hunk.old_lines, removed=hunk.added, added=hunk.removed, removed_text=hunk.added_text,
                added_text=hunk.removed_text)
