"""Proposals waiting for the user, per file: decided hunk by hunk from the editor, rebased as the user types."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from .diff import Hunk
from .proposals import EditProposal, Rebased, Stale


@dataclass
class Resolution:
    """How a pending proposal ended outside the permission prompt: every hunk decided, or made stale."""

    stale: Stale | None = None


# Applies some hunks of a pending edit now (over the file as it is), shrinking its proposal; an error or None.
Applier = Callable[["PendingEdit", list[str]], Awaitable[str | None]]


@dataclass(eq=False)
class PendingEdit:
    """One proposal on screen. `proposal` holds only the hunks still open, over the file as it is now; hunks
    accepted from the editor are applied at once, rejected ones dropped."""

    session_id: str
    tool_call_id: str
    proposal: EditProposal
    apply: Applier
    accepted: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    done: asyncio.Future[Resolution] = field(default_factory=lambda: asyncio.get_running_loop().create_future())
    original: tuple[Hunk, ...] = ()  # the hunks as first proposed, to tell the model which it lost
    original_base: str = ""  # the text the proposal was first made against

    def __post_init__(self) -> None:
        self.original = self.original or self.proposal.hunks
        self.original_base = self.original_base or self.proposal.base_text

    @property
    def path(self) -> str:
        return self.proposal.path

    def open_hunks(self) -> list[Hunk]:
        return list(self.proposal.hunks)

    def resolve(self, resolution: Resolution) -> None:
        if not self.done.done():
            self.done.set_result(resolution)


class PendingEdits:
    """Every pending proposal of one server. `on_change(path)` tells the door to refresh decorations and lenses;
    `on_rebase(pending)` tells the session to refresh the tool call's diff."""

    def __init__(self) -> None:
        self._by_path: dict[str, list[PendingEdit]] = {}
        self.on_change: Callable[[str], None] = lambda path: None
        self.on_rebase: Callable[[PendingEdit], None] = lambda pending: None

    def add(self, pending: PendingEdit) -> None:
        self._by_path.setdefault(pending.path, []).append(pending)
        self.on_change(pending.path)

    def remove(self, pending: PendingEdit) -> None:
        items = self._by_path.get(pending.path, [])
        if pending in items:
            items.remove(pending)
            if not items:
                del self._by_path[pending.path]
            self.on_change(pending.path)

    def for_path(self, path: str) -> list[PendingEdit]:
        return list(self._by_path.get(path, []))

    def paths(self) -> list[str]:
        return list(self._by_path)

    async def decide(self, session_id: str | None, path: str, hunk_ids: list[str] | None, accept: bool) -> str | None:
        """Accept or reject hunks from the editor (a code lens). Returns an error message, or None."""
        targets = [p for p in self.for_path(path) if session_id is None or p.session_id == session_id]
        if not targets:
            return f"No pending edit of {path}"
        for pending in targets:
            open_ids = [h.id for h in pending.open_hunks()]
            ids = open_ids if hunk_ids is None else [i for i in hunk_ids if i in open_ids]
            if not ids:
                continue
            if accept:
                error = await pending.apply(pending, ids)
                if error:
                    return error
                pending.accepted.extend(ids)
            else:
                pending.proposal = pending.proposal.reject(ids)
                pending.rejected.extend(ids)
            if not pending.open_hunks():
                pending.resolve(Resolution())
            self.on_change(path)
            if hunk_ids is not None:
                return None
        return None if hunk_ids is None else f"No pending hunk {', '.join(hunk_ids)} in {path}"

    def text_changed(self, path: str, text: str) -> None:
        """The user (or another program) changed the file: keep their edit, move the proposal, or make it stale."""
        for pending in self.for_path(path):
            if text == pending.proposal.base_text:
                continue
            result = pending.proposal.rebase(text)
            if isinstance(result, Rebased):
                pending.proposal = result.proposal
                self.on_rebase(pending)
                self.on_change(path)
            else:
                pending.resolve(Resolution(stale=result))
