"""Proposals: partial accept, final text, rebasing over the user's edits, and refusing when they touch a hunk."""

from __future__ import annotations

import pytest
from tandem.edits.proposals import EditProposal, PartialAccept, Rebased, Stale

BASE = "".join(f"line {i}\n" for i in range(1, 31))
# Three hunks: a replace at 5, an insertion before 15, a deletion of 25.
PROPOSED = (
    BASE.replace("line 5\n", "line five\n").replace("line 15\n", "new a\nnew b\nline 15\n").replace("line 25\n", "")
)


def proposal() -> EditProposal:
    return EditProposal("/w/f.py", BASE, PROPOSED)


def test_hunks_and_partial_accept() -> None:
    p = proposal()
    replace, insert, delete = p.hunks
    assert (replace.old_start, insert.old_start, delete.old_start) == (5, 15, 25)
    assert p.accept_hunks([]) == BASE
    assert p.accept_hunks(p.hunk_ids) == p.accept_all() == PROPOSED
    assert p.accept_hunks([replace.id, delete.id]) == BASE.replace("line 5\n", "line five\n").replace("line 25\n", "")
    with pytest.raises(ValueError, match="no pending hunk"):
        p.accept_hunks(["nope"])


def test_reject_keeps_the_rest_pending() -> None:
    p = proposal()
    rest = p.reject([p.hunks[0].id])
    assert rest.hunk_ids == p.hunk_ids[1:]
    assert rest.proposed_text == p.accept_hunks(p.hunk_ids[1:])
    without_insert = p.reject([p.hunks[1].id])
    assert without_insert.hunks[1].new_start == p.hunks[2].new_start - 2  # renumbered without the 2 new lines
    assert p.reject().is_empty and p.reject().proposed_text == BASE


def test_final_text_keeps_ids_of_untouched_hunks() -> None:
    p = proposal()
    final = PROPOSED.replace("line five\n", "line FIVE (user)\n")
    q = p.with_final_text(final)
    assert q.hunk_ids[1:] == p.hunk_ids[1:] and q.hunk_ids[0] != p.hunk_ids[0]
    assert q.apply_over(BASE, q.hunk_ids) == final


def test_rebase_shifts_hunks_down_and_keeps_user_lines() -> None:
    p = proposal()
    current = "# header\n# more\n" + BASE
    result = p.rebase(current)
    assert isinstance(result, Rebased)
    moved = result.proposal
    assert moved.hunk_ids == p.hunk_ids
    assert [h.old_start for h in moved.hunks] == [7, 17, 27]
    assert moved.base_text == current
    assert moved.proposed_text == "# header\n# more\n" + PROPOSED


def test_rebase_shifts_hunks_up_and_ignores_edits_below() -> None:
    p = proposal()
    current = BASE.replace("line 1\nline 2\n", "").replace("line 30\n", "line 30 (user)\n")
    moved = p.rebase(current)
    assert isinstance(moved, Rebased)
    assert [h.old_start for h in moved.proposal.hunks] == [3, 13, 23]
    expected = PROPOSED.replace("line 1\nline 2\n", "").replace("line 30\n", "line 30 (user)\n")
    assert moved.proposal.proposed_text == expected
    assert p.apply_over(current, p.hunk_ids) == expected


def test_edit_between_hunks_is_kept() -> None:
    p = proposal()
    current = BASE.replace("line 10\n", "line 10 changed by the user\n")
    assert p.apply_over(current, p.hunk_ids) == PROPOSED.replace("line 10\n", "line 10 changed by the user\n")


def test_overlapping_edit_is_stale_and_names_the_hunk() -> None:
    p = proposal()
    current = BASE.replace("line 5\n", "line 5 typed by the user\n")
    result = p.rebase(current)
    assert isinstance(result, Stale)
    assert result.conflicts == (p.hunks[0].id,)
    assert "Read the file again" in result.message
    assert isinstance(p.apply_over(current, p.hunk_ids), Stale)
    # Only accepted hunks count: the others still apply over the user's edit.
    others = p.hunk_ids[1:]
    assert p.apply_over(current, others) == p.reject([p.hunks[0].id]).proposed_text.replace(
        "line 5\n", "line 5 typed by the user\n"
    )


@pytest.mark.parametrize(
    "current",
    [
        BASE.replace("line 4\n", "line 4 (user)\n"),  # the line just above the replaced line
        BASE.replace("line 6\n", "line 6 (user)\n"),  # the line just below it
        BASE.replace("line 15\n", "user line\nline 15\n"),  # an insertion at the agent's insertion point
        BASE.replace("line 14\n", "line 14 (user)\n"),  # the line the agent inserts after
        BASE.replace("line 26\n", ""),  # the line after the one the agent deletes
    ],
)
def test_edits_touching_a_hunk_are_stale(current: str) -> None:
    assert isinstance(proposal().rebase(current), Stale)


def test_one_unchanged_line_between_is_enough() -> None:
    p = proposal()
    current = BASE.replace("line 3\n", "line 3 (user)\n").replace("line 7\n", "line 7 (user)\n")
    result = p.rebase(current)
    assert isinstance(result, Rebased)
    assert result.proposal.proposed_text == PROPOSED.replace("line 3\n", "line 3 (user)\n").replace(
        "line 7\n", "line 7 (user)\n"
    )


def test_accept_one_hunk_then_the_rest_stays_pending() -> None:
    p = proposal()
    first = p.hunks[0].id
    current = "# user\n" + BASE
    step = p.accept_over(current, [first])
    assert isinstance(step, PartialAccept) and isinstance(step.rest, EditProposal)
    assert step.text == "# user\n" + BASE.replace("line 5\n", "line five\n")
    assert step.rest.base_text == step.text and step.rest.hunk_ids == p.hunk_ids[1:]
    assert step.rest.accept_all() == "# user\n" + PROPOSED
    # Among look-alike lines, shifting (not re-diffing) keeps the rest pending.
    twins = EditProposal("/w/f", "\n\n\n\n", "\nx\n\n\ny\n")
    after = twins.after_accepting([twins.hunks[0].id])
    assert after.base_text == "\nx\n\n\n\n" and after.accept_all() == "\nx\n\n\ny\n"


def test_accept_over_when_the_rest_is_stale() -> None:
    p = proposal()
    current = BASE.replace("line 25\n", "line 25 (user)\n")  # touches the deletion hunk only
    step = p.accept_over(current, [p.hunks[0].id])
    assert isinstance(step, PartialAccept) and isinstance(step.rest, Stale)
    assert step.text == current.replace("line 5\n", "line five\n")
    assert step.rest.conflicts == (p.hunks[2].id,)
    assert isinstance(p.accept_over(current, [p.hunks[2].id]), Stale)


def test_crlf_file_rebases_as_crlf() -> None:
    base = BASE.replace("\n", "\r\n")
    p = EditProposal("/w/f.py", base, PROPOSED.replace("\n", "\r\n"))
    current = "top\r\n" + base
    assert p.apply_over(current, p.hunk_ids) == "top\r\n" + PROPOSED.replace("\n", "\r\n")


def test_no_final_newline_and_unchanged_current() -> None:
    p = EditProposal("/w/f", "a\nb\nc", "a\nB\nc")
    assert p.rebase("a\nb\nc") == Rebased(p)
    assert p.apply_over("z\na\nb\nc", p.hunk_ids) == "z\na\nB\nc"
    assert isinstance(p.apply_over("a\nb\nc!", p.hunk_ids), Stale)
