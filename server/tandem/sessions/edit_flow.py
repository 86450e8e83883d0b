"""A session's edit pipeline: propose a change with its hunks, let the user decide (prompt or code lens, per
hunk), apply what they accept over whatever they typed meanwhile, and log it for review and rewind."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tandem_protocol import DiffToolCallContent, HunkInfo, ToolCallProgress

from ..edits.diff import Hunk, to_unified
from ..edits.pending import PendingEdit, PendingEdits, Resolution
from ..edits.proposals import EditProposal, PartialAccept, Stale
from ..edits.review import AgentChange, ReviewLog
from ..tools.base import Decision, EditOutcome, PermissionAsk
from ..workspace import NotText

WRITE_ATTEMPTS = 3

if TYPE_CHECKING:
    from .session import Session
    from .tool_runner import SessionToolContext


def hunk_info(hunk: Hunk) -> HunkInfo:
    return HunkInfo(id=hunk.id, old_start=hunk.old_start, old_lines=hunk.old_lines, new_start=hunk.new_start,
                    new_lines=hunk.new_lines, removed=list(hunk.removed), added=list(hunk.added))


def diff_content(proposal: EditProposal, created: bool) -> list[Any]:
    return [DiffToolCallContent(path=proposal.path, old_text=None if created else proposal.base_text,
                                new_text=proposal.proposed_text,
                                meta={"tandem": {"hunks": [hunk_info(h) for h in proposal.hunks]}})]


class EditFlow:
    """Owns the session's change log and drives each proposal to an outcome."""

    def __init__(self, session: Session, pending: PendingEdits, changes: list[AgentChange] | None = None) -> None:
        self.session = session
        self.pending = pending
        self.review = ReviewLog(changes)

    # ---- the flow -----------------------------------------------------------------------------

    async def propose(self, ctx: SessionToolContext, tool: str, path: Path, old_text: str | None,
                      new_text: str) -> EditOutcome:
        created = old_text is None
        proposal = EditProposal(str(path), old_text or "", new_text)
        total = len(proposal.hunks)
        ask = PermissionAsk(tool=tool, kind="edit", title=f"{tool} {self.session.workspace.relative(path)}",
                            subject=str(path), content=diff_content(proposal, created),
                            meta={"path": str(path), "hunks": [hunk_info(h) for h in proposal.hunks]})
        verdict, reason = self.session.policy.decide(ask, self.session.config.mode, ctx.workspace)
        if verdict == "deny":
            return EditOutcome(total=total, refused=reason, rejected=list(proposal.hunk_ids))
        if verdict == "allow":
            return await self._apply_all(ctx, proposal, list(proposal.hunk_ids), total)
        return await self._review(ctx, ask, proposal, total)

    async def _review(self, ctx: SessionToolContext, ask: PermissionAsk, proposal: EditProposal,
                      total: int) -> EditOutcome:
        pending = PendingEdit(self.session.id, ctx.tool_call_id, proposal,
                              apply=lambda p, ids: self._apply_from_editor(ctx, p, ids))
        self.pending.add(pending)
        question = asyncio.ensure_future(ctx.ask_user(ask))
        try:
            await asyncio.wait({question, pending.done}, return_when=asyncio.FIRST_COMPLETED)
            if not question.done():  # decided in the editor, hunk by hunk, or made stale by the user's typing
                question.cancel()
                resolution = pending.done.result()
                return self._outcome(pending, total, stale=resolution.stale)
            decision: Decision = question.result()
        finally:
            if not question.done():
                question.cancel()
            self.pending.remove(pending)
        if pending.done.done() and pending.done.result().stale is not None:
            return self._outcome(pending, total, stale=pending.done.result().stale)
        return await self._answer(ctx, pending, decision, total)

    async def _answer(self, ctx: SessionToolContext, pending: PendingEdit, decision: Decision,
                      total: int) -> EditOutcome:
        extras = decision.extras or {}
        open_ids = list(pending.proposal.hunk_ids)
        if not decision.allowed:
            pending.rejected.extend(open_ids)
            return self._outcome(pending, total, refused=decision.reason or "The user rejected the edit.",
                                 feedback=decision.feedback)
        final_text = extras.get("finalText") if isinstance(extras.get("finalText"), str) else None
        proposal = pending.proposal
        if final_text is not None:
            proposal = proposal.with_final_text(final_text)
            wanted = list(proposal.hunk_ids)
        else:
            chosen = extras.get("acceptedHunks")
            wanted = [i for i in chosen if i in open_ids] if isinstance(chosen, list) else open_ids
        outcome = await self._apply_all(ctx, proposal, wanted, total)
        outcome.accepted = pending.accepted + (outcome.accepted if final_text is None else [])
        outcome.rejected = pending.rejected + ([] if final_text is not None else
                                               [i for i in open_ids if i not in wanted])
        outcome.user_text = final_text is not None
        outcome.kept_user_edits = outcome.kept_user_edits or pending.proposal.base_text != pending.original_base
        outcome.feedback = decision.feedback
        outcome.rejected_diff = self._rejected_diff(pending, outcome.rejected)
        if outcome.text is None and pending.accepted:
            outcome.text = self._current(Path(pending.path))
        return outcome

    def _outcome(self, pending: PendingEdit, total: int, *, stale: Stale | None = None, refused: str | None = None,
                 feedback: str | None = None) -> EditOutcome:
        text = self._current(Path(pending.path)) if pending.accepted else None
        if stale is not None:
            refused = f"{stale.message} Read the file again before editing it."
        return EditOutcome(text=text, accepted=list(pending.accepted), rejected=list(pending.rejected), total=total,
                           refused=refused, stale=stale is not None, feedback=feedback,
                           rejected_diff=self._rejected_diff(pending, pending.rejected))

    def _rejected_diff(self, pending: PendingEdit, ids: list[str]) -> str:
        hunks = [h for h in pending.original if h.id in ids]
        return to_unified(pending.path, hunks) if hunks else ""

    # ---- applying -----------------------------------------------------------------------------

    async def _apply_all(self, ctx: SessionToolContext, proposal: EditProposal, ids: list[str],
                         total: int) -> EditOutcome:
        from .tool_runner import BufferWriteRefused

        path = Path(proposal.path)
        for attempt in range(WRITE_ATTEMPTS):
            current = self._current(path)
            result = proposal.apply_over(current or "", ids)
            if isinstance(result, Stale):
                return EditOutcome(total=total, stale=True, rejected=list(ids),
                                   refused=f"{result.message} Read the file again before editing it.")
            if not ids:
                return EditOutcome(total=total)
            try:
                await self._write(ctx, path, current, result)
            except BufferWriteRefused:
                await asyncio.sleep(0.05 * (attempt + 1))  # let the editor's didChange arrive, then rebase again
                continue
            return EditOutcome(text=result, accepted=list(ids), total=total,
                               kept_user_edits=current is not None and current != proposal.base_text)
        return EditOutcome(total=total, stale=True, rejected=list(ids),
                           refused="The editor kept refusing the change while the file was being edited. "
                                   "Read the file again before editing it.")

    async def _apply_from_editor(self, ctx: SessionToolContext, pending: PendingEdit, ids: list[str]) -> str | None:
        path = Path(pending.path)
        current = self._current(path)
        result = pending.proposal.accept_over(current or "", ids)
        if isinstance(result, Stale):
            pending.resolve(Resolution(stale=result))
            return result.message
        assert isinstance(result, PartialAccept)
        before = pending.proposal
        if isinstance(result.rest, EditProposal):
            pending.proposal = result.rest  # first, so the editor's echo of our own write is no "user edit"
        from .tool_runner import BufferWriteRefused

        try:
            await self._write(ctx, path, current, result.text)
        except BufferWriteRefused as e:
            pending.proposal = before
            return f"{e}: the file changed meanwhile; try again"
        except BaseException:
            pending.proposal = before
            raise
        if isinstance(result.rest, Stale):
            pending.resolve(Resolution(stale=result.rest))
        else:
            self.refresh(pending)
        return None

    async def _write(self, ctx: SessionToolContext, path: Path, before: str | None, after: str) -> None:
        await ctx.write_text(path, after, before)
        ctx.read_files[str(path)] = after
        change = AgentChange(turn=self.session.turn, path=str(path), before=before, after=after)
        self.review.record(change)
        self.session.log.change(change)

    def _current(self, path: Path) -> str | None:
        try:
            return self.session.workspace.read_text(path)
        except (FileNotFoundError, NotText, IsADirectoryError):
            return None

    def refresh(self, pending: PendingEdit) -> None:
        """The proposal moved (the user typed, or a hunk was accepted): show the tool call's diff anew."""
        created = not Path(pending.path).exists()
        self.session.emit(ToolCallProgress(tool_call_id=pending.tool_call_id,
                                           content=diff_content(pending.proposal, created)))

    # ---- review after the fact ----------------------------------------------------------------

    async def revert(self, path: str, hunk_ids: list[str] | None) -> tuple[list[str], dict[str, str]]:
        """Undo the agent's hunks in one file; returns (paths changed back, conflicts by path)."""
        plan = self.review.plan_revert(path, self._current(Path(path)), hunk_ids)
        return await self._carry_out(plan), plan.conflicts

    async def rewind(self, turn: int) -> tuple[list[str], dict[str, str]]:
        """Put the code back as it was before `turn`, keeping the user's own later edits."""
        plan = self.review.plan_rewind(turn, lambda p: self._current(Path(p)))
        return await self._carry_out(plan), plan.conflicts

    async def _carry_out(self, plan: Any) -> list[str]:
        from .tool_runner import BufferWriteRefused, write_file

        done = []
        workspace = self.session.workspace
        for path_str, text in plan.texts.items():
            path = Path(path_str)
            if text is None:
                if workspace.is_open(path):
                    plan.conflicts[path_str] = f"{path_str} is open in the editor: close it to remove it"
                    continue
                await asyncio.to_thread(path.unlink, True)
            else:
                try:
                    await write_file(self.session, workspace, path, text, self._current(path))
                except BufferWriteRefused:
                    plan.conflicts[path_str] = f"the editor refused the change to {path_str}: it was being edited"
                    continue
            self.session.read_files.pop(path_str, None)
            done.append(path_str)
        # what was put back (written now, or already as it was before the agent) is not put back twice
        marks = [m for p, ms in plan.undone.items() if p in done or (p not in plan.texts and p not in plan.conflicts)
                 for m in ms]
        if marks:
            self.session.log.change(self.review.mark_reverted(marks))
        return done
