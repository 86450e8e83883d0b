"""The promise, as a property: whatever the user types while a proposal is pending, none of it is ever lost.

The scenario, in the base text's line numbers: the agent proposes; some hunks are accepted at once (E), the rest
stay pending; the user edits in two batches (whole lines or single characters, line breaks included), the pending
proposal being rebased after the first; finally some pending hunks are accepted (L) and applied over the file.
An independent oracle merges the same line-range edits directly, so the check does not trust the code's own diff.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from hypothesis import event, given, settings
from hypothesis import strategies as st
from tandem.edits.diff import Hunk, apply_hunks
from tandem.edits.linediff import split_lines
from tandem.edits.proposals import EditProposal, Rebased, Stale

# The base and the agent write with these; the user never does, so the user's characters can be counted.
BASE_CHARS = "ab "
AGENT_CHARS = "abc"
USER_CHARS = "XY😀\n\r"
USER_MARKS = set("XY😀")

Op = tuple[int, int, str]  # replace base lines [i1, i2) with the text


def one_line(chars: str) -> st.SearchStrategy[str]:
    return st.tuples(st.text(chars, max_size=3), st.sampled_from(["\n", "\r\n"])).map("".join)


def lines_of(chars: str) -> st.SearchStrategy[str]:
    """Whole lines (small alphabets so look-alike lines are common and alignment is ambiguous)."""
    return st.lists(one_line(chars), max_size=2).map("".join)


@st.composite
def line_ops(draw: st.DrawFn, base: Sequence[str], user: bool) -> list[Op]:
    """Sorted, non-overlapping line-range replacements of `base` (adjacent ones allowed)."""
    ops: list[Op] = []
    at = 0
    for _ in range(draw(st.integers(1, 4))):
        at += draw(st.integers(0, 4))
        if at > len(base):
            break
        span = draw(st.integers(0, min(2, len(base) - at)))
        old = "".join(base[at : at + span])
        if user:  # a character edit: cut a slice of the old text and type something in its place
            cut_from = draw(st.integers(0, len(old)))
            cut_to = draw(st.integers(cut_from, len(old)))
            text = old[:cut_from] + draw(st.text(USER_CHARS, min_size=1, max_size=3)) + old[cut_to:]
        else:
            text = draw(lines_of(AGENT_CHARS) | st.text(AGENT_CHARS + "\n", max_size=3))
        if text != old:
            ops.append((at, at + span, text))
        at += span
    return ops


def merge(base: Sequence[str], ops: list[Op]) -> str:
    out, cursor = [], 0
    for i1, i2, text in sorted(ops, key=lambda op: (op[0], op[1])):
        assert i1 >= cursor, "the oracle only merges edits that do not overlap"
        out.extend(base[cursor:i1])
        out.append(text)
        cursor = i2
    out.extend(base[cursor:])
    return "".join(out)


def reach(base: Sequence[str], op: Op) -> tuple[int, int]:
    """The base lines a user edit can affect: text not ending in a clean line break joins the next line."""
    i1, i2, text = op
    if text and (text[-1] != "\n") and i2 < len(base):
        i2 += 1
    if i1 == len(base) and base and base[-1][-1] not in "\r\n":
        i1 -= 1  # appending to a last line that has no newline changes that line
    return i1, i2


def touches(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return max(a[0], b[0]) <= min(a[1], b[1])


def span(hunk: Hunk) -> tuple[int, int]:
    return hunk.old_start - 1, hunk.old_start - 1 + hunk.old_lines


def as_op(hunk: Hunk) -> Op:
    return (*span(hunk), hunk.added_text)


def user_marks(text: str) -> Counter[str]:
    return Counter(ch for ch in text if ch in USER_MARKS)


def check_rebased(result: Rebased, current: str, before: EditProposal) -> EditProposal:
    moved = result.proposal
    assert moved.base_text == current
    assert moved.hunk_ids == before.hunk_ids
    for old, new in zip(before.hunks, moved.hunks):
        assert (old.removed_text, old.added_text) == (new.removed_text, new.added_text)
    assert moved.proposed_text == apply_hunks(current, moved.hunks)
    return moved


@settings(max_examples=500, deadline=None)
@given(st.data())
def test_no_user_character_is_ever_lost(data: st.DataObject) -> None:
    base_text = data.draw(st.lists(one_line(BASE_CHARS), min_size=3, max_size=16).map("".join), label="base")
    if data.draw(st.booleans(), label="drop final newline"):
        base_text = base_text.rstrip("\r\n")
    base = split_lines(base_text)
    proposed = merge(base, data.draw(line_ops(base, user=False), label="agent edits"))
    p0 = EditProposal("/w/f", base_text, proposed)
    fate = {h.id: data.draw(st.sampled_from("LLER"), label=f"hunk {h.id}") for h in p0.hunks}
    early = [h for h in p0.hunks if fate[h.id] == "E"]
    late = [h for h in p0.hunks if fate[h.id] == "L"]

    # Accept E at once: the file now holds them and the rest stays pending over it.
    file0 = p0.accept_hunks([h.id for h in early])
    assert file0 == merge(base, [as_op(h) for h in early])
    pending = p0.after_accepting([h.id for h in early])
    assert pending.base_text == file0 and pending.proposed_text == proposed
    assert pending.proposed_text == apply_hunks(file0, pending.hunks)

    # The user edits lines the agent did not already change in the file (editing the agent's new text is
    # outside what the oracle can describe in base line numbers).
    user_ops = [op for op in data.draw(line_ops(base, user=True), label="user edits")
                if not any(touches(reach(base, op), span(h)) for h in early)]  # fmt: skip
    batch = [data.draw(st.booleans(), label="first batch") for _ in user_ops]
    first = [op for op, b in zip(user_ops, batch) if b]
    file1 = merge(base, first + [as_op(h) for h in early])
    file2 = merge(base, user_ops + [as_op(h) for h in early])

    result = pending.rebase(file1)  # the session rebases pending proposals as the user types
    if isinstance(result, Stale):
        event("stale while pending")
        assert set(result.conflicts) <= set(pending.hunk_ids) and result.conflicts
        return  # the proposal is dead: nothing of it is ever applied, the file stays as the user made it
    pending = check_rebased(result, file1, pending)

    out = pending.apply_over(file2, [h.id for h in late])
    if isinstance(out, Stale):
        event("stale at apply")
        assert set(out.conflicts) <= {h.id for h in late} and out.conflicts
        return  # nothing is written: file2, every user edit, stays
    assert user_marks(out) == user_marks(file2), "a character the user typed was dropped or duplicated"
    if not late:
        assert out == file2
    if any(touches(reach(base, op), span(h)) for op in user_ops for h in late):
        event("applied though the oracle saw contact")
        return  # the code's diff aligned the user's edit away from the hunk; the marks check above still holds
    event("applied")
    assert out == merge(base, user_ops + [as_op(h) for h in early + late])
