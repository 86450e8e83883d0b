"""Edit proposals: partial accept, the user's final text, and rebasing over the user's edits so none is ever lost.

The rules:

- A proposal is anchored to `base_text`, the exact text the agent read (the buffer when the file is open). Its hunks
  are `compute_hunks(base_text, proposed_text)`; their ids follow the rule in `tandem.edits.diff`.
- `accept_hunks(ids)` is the base with only those hunks applied. `reject(ids)` drops hunks and keeps the rest
  pending; the text is never touched by a reject. `with_final_text(text)` is the proposal the user edited before
  accepting: base -> text, where hunks the user left alone keep their ids.
- `rebase(current_text)`: the user's changes are the line diff base -> current. A user change covering base lines
  [u0, u1) conflicts with an agent hunk covering [a0, a1) when max(a0, u0) <= min(a1, u1): they share a line, or
  they touch with no unchanged line between them (an edit on the line just above or below the hunk, or two
  insertions at the same point). This is diff3's rule and it is conservative on purpose: the agent wrote its hunk
  against the lines around it, and if those moved under it we would rather ask it to re-read than guess.
- No conflict: each agent hunk moves by the net number of lines the user added above it, its text and id unchanged,
  and the rebased proposal's base is `current_text`, so its proposed text keeps every change the user made.
  Any conflict: `Stale`, naming the conflicting hunks; nothing is applied.
- `apply_over(current_text, ids)` applies the accepted hunks to whatever the file is now: it keeps only those hunks,
  rebases them, and returns the text to write, or `Stale` (only accepted hunks can make it stale).
- `accept_over(current_text, ids)` is the same but keeps the other hunks pending over the written text
  (`after_accepting` shifts them exactly; diffing the written text again could misplace them among look-alike
  lines and call them stale for nothing).
- Ids are carried, never recomputed, through reject, rebase and after_accepting.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import msgspec

from tandem.edits.diff import Hunk, apply_hunks, apply_hunks_to_lines, compute_hunks
from tandem.edits.linediff import diff_blocks, split_lines


@dataclass(frozen=True, slots=True)
class Stale:
    """The file changed under the proposal where its (accepted) hunks are; the model must re-read and redo it."""

    path: str
    conflicts: tuple[str, ...]  # ids of the agent hunks the user's edits overlap or touch
    message: str


@dataclass(frozen=True, slots=True)
class Rebased:
    """The proposal moved onto the current text, every user change kept."""

    proposal: EditProposal


RebaseResult = Rebased | Stale


@dataclass(frozen=True, slots=True)
class PartialAccept:
    """What accept_over gives: the text to write, and the rest of the proposal (pending over it, or Stale)."""

    text: str
    rest: EditProposal | Stale


class EditProposal:
    """An agent's proposed change to one file, anchored to the text it read. Immutable: methods return new values."""

    __slots__ = ("base_text", "hunks", "path", "proposed_text")

    path: str
    base_text: str
    proposed_text: str
    hunks: tuple[Hunk, ...]

    def __init__(self, path: str, base_text: str, proposed_text: str) -> None:
        self.path = path
        self.base_text = base_text
        self.proposed_text = proposed_text
        self.hunks = tuple(compute_hunks(base_text, proposed_text))

    @classmethod
    def _from_hunks(cls, path: str, base_text: str, proposed_text: str, hunks: Iterable[Hunk]) -> EditProposal:
        proposal = cls.__new__(cls)
        proposal.path = path
        proposal.base_text = base_text
        proposal.proposed_text = proposed_text
        proposal.hunks = tuple(hunks)
        return proposal

    def __repr__(self) -> str:
        return f"EditProposal({self.path!r}, hunks={[h.id for h in self.hunks]})"

    @property
    def hunk_ids(self) -> tuple[str, ...]:
        return tuple(h.id for h in self.hunks)

    @property
    def is_empty(self) -> bool:
        return not self.hunks

    def hunk(self, hunk_id: str) -> Hunk:
        for hunk in self.hunks:
            if hunk.id == hunk_id:
                return hunk
        raise ValueError(f"{self.path}: no pending hunk with id {hunk_id!r}")

    def accept_hunks(self, ids: Iterable[str]) -> str:
        """The base text with only the hunks `ids` applied."""
        return apply_hunks(self.base_text, self._select(ids))

    def accept_all(self) -> str:
        return self.proposed_text

    def reject(self, ids: Iterable[str] | None = None) -> EditProposal:
        """The proposal without the hunks `ids` (all of them when None); what is left stays pending."""
        drop = set(self.hunk_ids) if ids is None else {h.id for h in self._select(ids)}
        return self._keeping([h for h in self.hunks if h.id not in drop])

    def with_final_text(self, text: str) -> EditProposal:
        """The proposal as the user edited it before accepting: same base, `text` as the proposed result."""
        return EditProposal(self.path, self.base_text, text)

    def rebase(self, current_text: str) -> RebaseResult:
        """Move the hunks onto `current_text` (the file as it is now), or Stale if the user's edits touch them."""
        if current_text == self.base_text:
            return Rebased(self)
        base_lines = split_lines(self.base_text)
        current_lines = split_lines(current_text)
        user_blocks = diff_blocks(base_lines, current_lines)
        moved: list[Hunk] = []
        conflicts: list[str] = []
        touched: list[str] = []
        shift = 0  # net lines the user added above the hunk being placed
        above = 0  # user blocks before this index lie wholly above the hunk being placed
        agent_shift = 0  # net lines the earlier agent hunks add, for new_start
        for hunk in self.hunks:
            a0 = hunk.old_start - 1
            a1 = a0 + hunk.old_lines
            while above < len(user_blocks) and user_blocks[above][1] < a0:
                u0, u1, v0, v1 = user_blocks[above]
                shift += (v1 - v0) - (u1 - u0)
                above += 1
            # Blocks not wholly above end at or after a0; those that also start at or before a1 touch the hunk.
            index = above
            while index < len(user_blocks) and user_blocks[index][0] <= a1:
                u0, u1, _, _ = user_blocks[index]
                touched.append(f"{u0 + 1}-{u1}" if u1 > u0 else f"before {u0 + 1}")
                if not conflicts or conflicts[-1] != hunk.id:
                    conflicts.append(hunk.id)
                index += 1
            old_start = hunk.old_start + shift
            moved.append(msgspec.structs.replace(hunk, old_start=old_start, new_start=old_start + agent_shift))
            agent_shift += hunk.new_lines - hunk.old_lines
        if conflicts:
            where = ", ".join(dict.fromkeys(touched))
            return Stale(
                self.path,
                tuple(conflicts),
                f"{self.path} changed since it was read: the user edited lines {where} (numbered as read), where "
                f"{len(conflicts)} of the proposed hunks change it. Read the file again and redo the edit.",
            )
        proposed = apply_hunks_to_lines(current_lines, moved)
        return Rebased(EditProposal._from_hunks(self.path, current_text, proposed, moved))

    def after_accepting(self, ids: Iterable[str]) -> EditProposal:
        """The hunks not in `ids`, still pending over accept_hunks(ids): shifted exactly, no diff, ids kept."""
        accepted = {h.id for h in self._select(ids)}
        rest: list[Hunk] = []
        shift = 0  # net lines the accepted hunks above add
        for hunk in self.hunks:
            if hunk.id in accepted:
                shift += hunk.new_lines - hunk.old_lines
            else:
                # new_start is unchanged: the remainder still leads to the same proposed text.
                rest.append(msgspec.structs.replace(hunk, old_start=hunk.old_start + shift))
        return EditProposal._from_hunks(self.path, self.accept_hunks(accepted), self.proposed_text, rest)

    def accept_over(self, current_text: str, accepted_ids: Iterable[str]) -> PartialAccept | Stale:
        """Accept some hunks on the file as it is now and keep the others pending (Accept on one hunk's code lens)."""
        ids = [h.id for h in self._select(accepted_ids)]
        whole = self.rebase(current_text)
        if isinstance(whole, Rebased):
            moved = whole.proposal
            return PartialAccept(moved.accept_hunks(ids), moved.after_accepting(ids))
        # Some hunk conflicts: the accepted ones may still apply, but the rest of the proposal is dead.
        text = self.apply_over(current_text, ids)
        if isinstance(text, Stale):
            return text
        return PartialAccept(text, whole)

    def apply_over(self, current_text: str, accepted_ids: Iterable[str]) -> str | Stale:
        """The text to write: the accepted hunks applied to the file as it is now, or Stale if they conflict."""
        chosen = self._keeping(self._select(accepted_ids))
        if chosen.is_empty:
            return current_text
        result = chosen.rebase(current_text)
        if isinstance(result, Stale):
            return result
        return result.proposal.proposed_text

    def _select(self, ids: Iterable[str]) -> list[Hunk]:
        wanted = set(ids)
        chosen = [h for h in self.hunks if h.id in wanted]
        if len(chosen) != len(wanted):
            unknown = sorted(wanted - {h.id for h in chosen})
            raise ValueError(f"{self.path}: no pending hunk with id {', '.join(map(repr, unknown))}")
        return chosen

    def _keeping(self, hunks: list[Hunk]) -> EditProposal:
        """The proposal with only `hunks` (a subset, in order); new_start is renumbered for the smaller set."""
        if len(hunks) == len(self.hunks):
            return self
        renumbered: list[Hunk] = []
        agent_shift = 0
        for hunk in hunks:
            renumbered.append(msgspec.structs.replace(hunk, new_start=hunk.old_start + agent_shift))
            agent_shift += hunk.new_lines - hunk.old_lines
        proposed = apply_hunks(self.base_text, renumbered)
        return EditProposal._from_hunks(self.path, self.base_text, proposed, renumbered)
