"""Hunks: exact round trips (CRLF, no final newline, empty, unicode), stable ids, TextEdits and unified output."""

from __future__ import annotations

import itertools
import random
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lsp_apply import apply_text_edits
from tandem.edits.diff import HunkMismatch, apply_hunks, compute_hunks, hunks_to_text_edits, to_unified
from tandem.edits.linediff import split_lines

CASES = {
    "crlf": ("a\r\nb\r\nc\r\n", "a\r\nB\r\nc\r\nd\r\n"),
    "crlf to lf": ("a\r\nb\r\n", "a\nb\r\n"),
    "no final newline": ("a\nb", "a\nc"),
    "add final newline": ("a\nb", "a\nb\n"),
    "drop final newline": ("a\nb\n", "a\nb"),
    "empty to text": ("", "x\ny\n"),
    "text to empty": ("x\ny", ""),
    "both empty": ("", ""),
    "whole replace": ("one\ntwo\nthree\n", "uno\ndos\n"),
    "insert at start": ("b\nc\n", "a\nb\nc\n"),
    "insert at end": ("a\nb\n", "a\nb\nc\n"),
    "insert at end, no final newline": ("a\nb", "a\nb\nc"),
    "delete all": ("a\nb\nc\n", ""),
    "mixed endings": ("a\r\nb\nc\rd", "a\nb\r\nc\rX\rd"),
    "lone cr": ("a\rb\rc", "a\rB\rc"),
    "unicode": ("héllo\n😀 wörld\n", "héllo\n😀 wörld!\n"),
    "exotic separators": ("a\u2028b\x0bc\n", "a\u2028B\x0bc\n"),
}


@pytest.mark.parametrize("old,new", CASES.values(), ids=CASES.keys())
def test_round_trip_and_text_edits(old: str, new: str) -> None:
    hunks = compute_hunks(old, new)
    assert apply_hunks(old, hunks) == new
    for encoding in ("utf-16", "utf-8", "utf-32"):
        assert apply_text_edits(old, hunks_to_text_edits(old, hunks, encoding), encoding) == new
    assert bool(hunks) == (old != new)


def test_crlf_is_kept_in_the_hunk_text() -> None:
    (hunk,) = compute_hunks("a\r\nb\r\nc\r\n", "a\r\nB\r\nc\r\n")
    assert (hunk.old_start, hunk.old_lines, hunk.new_start, hunk.new_lines) == (2, 1, 2, 1)
    assert hunk.removed == ("b",) and hunk.added == ("B",)
    assert hunk.removed_text == "b\r\n" and hunk.added_text == "B\r\n"


def test_missing_final_newline_stays_missing() -> None:
    (hunk,) = compute_hunks("a\nb", "a\nc")
    assert hunk.removed_text == "b" and hunk.added_text == "c"
    (hunk,) = compute_hunks("a", "a\n")
    assert hunk.removed == hunk.added == ("a",)
    assert "\\ No newline at end of file" in to_unified("f", [hunk])


def test_line_numbers_of_insertions_and_deletions() -> None:
    (start,) = compute_hunks("b\nc\n", "a\nb\nc\n")
    assert (start.old_start, start.old_lines, start.new_start, start.new_lines) == (1, 0, 1, 1)
    (end,) = compute_hunks("a\nb\n", "a\nb\nc\n")
    assert (end.old_start, end.old_lines, end.new_start, end.new_lines) == (3, 0, 3, 1)
    (gone,) = compute_hunks("a\nb\nc\n", "")
    assert (gone.old_start, gone.old_lines, gone.new_start, gone.new_lines) == (1, 3, 1, 0)
    (new,) = compute_hunks("", "x\n")
    assert (new.old_start, new.old_lines, new.new_start, new.new_lines) == (1, 0, 1, 1)


def test_ids_survive_a_shift_and_look_alikes_differ() -> None:
    base = "".join(f"line {i}\n" for i in range(30))
    proposed = base.replace("line 5\n", "five\n").replace("line 20\n", "twenty\n")
    before = compute_hunks(base, proposed)
    after = compute_hunks("new\nnew\n" + base, "new\nnew\n" + proposed)
    assert [h.id for h in before] == [h.id for h in after]
    assert [h.old_start + 2 for h in before] == [h.old_start for h in after]
    twins = compute_hunks("a\nx\nb\nx\nc\n", "a\nb\nc\n")
    assert len(twins) == 2 and twins[0].removed == twins[1].removed
    assert twins[1].id == twins[0].id + ".1"


def test_utf16_positions_count_surrogate_pairs() -> None:
    old = "😀😀 x = 1\nnext\n"
    new = "😀😀 x = 2\nnext\n"
    hunks = compute_hunks(old, new)
    assert hunks_to_text_edits(old, hunks) == [(0, 9, 0, 10, "2")]
    assert hunks_to_text_edits(old, hunks, "utf-8") == [(0, 13, 0, 14, "2")]
    assert hunks_to_text_edits(old, hunks, "utf-32") == [(0, 7, 0, 8, "2")]


def test_text_edits_never_split_a_crlf() -> None:
    old, new = "a\r\nb\r\n", "a\nb\r\n"
    assert hunks_to_text_edits(old, compute_hunks(old, new)) == [(0, 1, 1, 0, "\n")]


def test_text_edits_are_trimmed_to_the_changed_characters() -> None:
    old = "def f(x):\n    return x\n"
    new = "def f(x, y):\n    return x\n"
    assert hunks_to_text_edits(old, compute_hunks(old, new)) == [(0, 7, 0, 7, ", y")]


def test_apply_refuses_a_hunk_that_does_not_fit() -> None:
    hunks = compute_hunks("a\nb\nc\n", "a\nB\nc\n")
    with pytest.raises(HunkMismatch):
        apply_hunks("a\nX\nc\n", hunks)
    with pytest.raises(HunkMismatch):
        apply_hunks("a\n", hunks)


def test_unified_with_context_merges_near_hunks() -> None:
    old = "".join(f"l{i}\n" for i in range(1, 13))
    new = old.replace("l3\n", "L3\n").replace("l6\n", "l6\nnew\n")
    text = to_unified("a.py", compute_hunks(old, new), old)
    assert text.splitlines() == [
        "--- a/a.py", "+++ b/a.py", "@@ -1,9 +1,10 @@",
        " l1", " l2", "-l3", "+L3", " l4", " l5", " l6", "+new", " l7", " l8", " l9",
    ]  # fmt: skip
    bare = to_unified("a.py", compute_hunks(old, new))
    assert "@@ -3,1 +3,1 @@\n-l3\n+L3\n@@ -6,0 +7,1 @@\n+new\n" in bare


def ten_thousand_lines(edits: int = 20, seed: int = 7) -> tuple[str, str]:
    rnd = random.Random(seed)
    lines = [f"    value_{i % 97} = compute(arg, {rnd.randint(0, 999)})" if i % 9 else "" for i in range(10_000)]
    changed = list(lines)
    for n, at in enumerate(sorted(rnd.sample(range(10, 9_990), edits), reverse=True)):
        changed[at : at + n % 3] = [f"    edited_{n} = True"] * (n % 4)
    return "\n".join(lines) + "\n", "\n".join(changed) + "\n"


def test_ten_thousand_line_file() -> None:
    old, new = ten_thousand_lines()
    started = time.perf_counter()
    hunks = compute_hunks(old, new)
    elapsed = time.perf_counter() - started
    assert 15 <= len(hunks) <= 20
    assert apply_hunks(old, hunks) == new
    assert apply_text_edits(old, hunks_to_text_edits(old, hunks)) == new
    assert elapsed < 0.5  # about 2 ms on a laptop; generous so a loaded CI box does not flake


def test_lopsided_and_reordered_files_still_round_trip() -> None:
    old, _ = ten_thousand_lines()
    lines = split_lines(old)
    for new_lines in (lines[::-1], [x for line in lines for x in (line, "new\n")], [x.upper() for x in lines]):
        new = "".join(new_lines)
        assert apply_hunks(old, compute_hunks(old, new)) == new


PIECES = st.sampled_from(["a", "b", "😀", "é", " ", "\n", "\r\n", "\r", "\u2028", "\x0b", "x\n", "y\r\n"])
TEXTS = st.lists(PIECES, max_size=30).map("".join) | st.text(max_size=40)


@st.composite
def related_pair(draw: st.DrawFn) -> tuple[str, str]:
    """Two texts sharing most lines, so diffs are realistic as well as random."""
    old = draw(TEXTS)
    lines = split_lines(old)
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(lines)))
        cut = draw(st.integers(0, min(2, len(lines) - at)))
        lines[at : at + cut] = draw(st.lists(TEXTS, max_size=2))
    return old, "".join(lines)


@settings(max_examples=400, deadline=None)
@given(st.tuples(TEXTS, TEXTS) | related_pair())
def test_round_trip_for_all_strings(pair: tuple[str, str]) -> None:
    old, new = pair
    hunks = compute_hunks(old, new)
    assert apply_hunks(old, hunks) == new
    assert apply_text_edits(old, hunks_to_text_edits(old, hunks)) == new
    assert len({h.id for h in hunks}) == len(hunks)
    for a, b in itertools.pairwise(hunks):
        assert b.old_start > a.old_start + a.old_lines  # at least one unchanged line between hunks
    for hunk in hunks[::2]:  # any subset applies on its own
        apply_hunks(old, [hunk])
