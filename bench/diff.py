"""The diff benchmark: compute_hunks on a 10,000-line file with 20 scattered edits beside every diff floor available."""

# Run: .venv/bin/python bench/diff.py [--runs N]. Prints a Markdown table.
# Floors are other ways to get a line diff of the same two strings in the same process, interleaved with ours run by
# run: difflib always; fast-diff-match-patch (lines mapped to chars), pygit2 (libgit2) and rapidfuzz when importable.
# They are not dependencies: to see them, install them somewhere else and put it on PYTHONPATH, e.g.
#   uv pip install --python .venv/bin/python --target /tmp/floors fast-diff-match-patch pygit2 rapidfuzz
#   PYTHONPATH=/tmp/floors .venv/bin/python bench/diff.py
# Targets: compute_hunks <= 2x the fastest floor; rebasing a pending proposal over a user edit <= 10 ms.

from __future__ import annotations

import argparse
import difflib
import gc
import platform
import random
import statistics
import time
from collections.abc import Callable

from tandem.edits.diff import compute_hunks, hunks_to_text_edits
from tandem.edits.proposals import EditProposal, Rebased

LINES = 10_000
EDITS = 20
REBASE_TARGET_MS = 10.0
RATIO_TARGET = 2.0


def build_file(seed: int = 7) -> tuple[str, str]:
    """Python-like source (blank and repeated lines included) and a copy with EDITS scattered edits of four kinds."""
    rnd = random.Random(seed)
    lines: list[str] = []
    while len(lines) < LINES:
        lines.append(f"def function_{len(lines)}(arg, other=None):")
        for step in range(rnd.randint(3, 12)):
            roll = rnd.random()
            if roll < 0.15:
                lines.append("")
            elif roll < 0.3:
                lines.append("        return result")
            else:
                lines.append(f"    value_{step} = compute(arg, {rnd.randint(0, 999)})  # step {step}")
        lines.append("")
    lines = lines[:LINES]
    changed = list(lines)
    for n, at in enumerate(sorted(rnd.sample(range(10, LINES - 10), EDITS), reverse=True)):
        if n % 4 == 0:
            changed[at] += "  # changed"
        elif n % 4 == 1:
            changed[at:at] = [f"    inserted_{n} = True", f"    log('edit {n}')"]
        elif n % 4 == 2:
            del changed[at : at + 2]
        else:
            changed[at : at + 2] = [f"    replaced_{n}_{k} = {k}" for k in range(3)]
    return "\n".join(lines) + "\n", "\n".join(changed) + "\n"


def floors(old: str, new: str) -> dict[str, Callable[[], object]]:
    """Each floor turns the same two strings into a line diff (hunk ranges), the way one would use it."""
    found: dict[str, Callable[[], object]] = {
        "difflib SequenceMatcher": lambda: [
            op
            for op in difflib.SequenceMatcher(None, old.splitlines(True), new.splitlines(True)).get_opcodes()
            if op[0] != "equal"
        ],
    }
    try:
        import fast_diff_match_patch as fdmp

        def fdmp_lines() -> object:
            codes: dict[str, str] = {}
            a = "".join([codes.setdefault(line, chr(len(codes) + 1)) for line in old.splitlines(True)])
            b = "".join([codes.setdefault(line, chr(len(codes) + 1)) for line in new.splitlines(True)])
            return fdmp.diff(a, b, timelimit=0, checklines=False, cleanup="No", counts_only=True)

        found["fast-diff-match-patch (line mode)"] = fdmp_lines
    except ImportError:
        pass
    try:
        import pygit2

        found["pygit2 Patch.create_from"] = lambda: [
            (h.old_start, h.old_lines, h.new_start, h.new_lines)
            for h in pygit2.Patch.create_from(old, new, context_lines=0).hunks
        ]
    except ImportError:
        pass
    try:
        from rapidfuzz.distance import Indel

        found["rapidfuzz Indel.opcodes"] = lambda: [
            op for op in Indel.opcodes(old.splitlines(True), new.splitlines(True)) if op.tag != "equal"
        ]
    except ImportError:
        pass
    return found


def measure(subjects: dict[str, Callable[[], object]], runs: int) -> dict[str, float]:
    """Median ms of each subject, interleaved run by run so drift in the machine hits all of them alike."""
    times: dict[str, list[float]] = {name: [] for name in subjects}
    for fn in subjects.values():
        fn()  # warm: imports, caches, allocator
    order = list(subjects.items())
    shuffle = random.Random(1).shuffle  # a new order each round, so no subject always follows the cache-wrecking one
    gc.disable()
    try:
        for _ in range(runs):
            shuffle(order)
            for name, fn in order:
                started = time.perf_counter()
                fn()
                times[name].append((time.perf_counter() - started) * 1000)
    finally:
        gc.enable()
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=31)
    args = parser.parse_args()

    old, new = build_file()
    hunks = compute_hunks(old, new)
    # The user edits while the proposal is pending: three lines at the top and one line mid-file, away from hunks.
    user_lines = old.split("\n")
    middle = next(i for i in range(LINES // 2, LINES) if all(abs(h.old_start - 1 - i) > 2 for h in hunks))
    user_lines[middle] += "  # the user was here"
    current = "# -*- coding: utf-8 -*-\n# user header\n\n" + "\n".join(user_lines)
    proposal = EditProposal("/bench/big.py", old, new)
    rebased = proposal.rebase(current)
    assert isinstance(rebased, Rebased), "the bench's user edit must not touch the agent's hunks"

    floor_fns = floors(old, new)
    ours = {"tandem compute_hunks": lambda: compute_hunks(old, new)}
    timed = measure({**ours, **floor_fns}, args.runs)
    others = measure(
        {
            "rebase pending proposal over a user edit": lambda: proposal.rebase(current),
            "apply_over (rebase + accept all)": lambda: proposal.apply_over(current, proposal.hunk_ids),
            "hunks_to_text_edits (UTF-16)": lambda: hunks_to_text_edits(old, hunks),
        },
        args.runs,
    )

    fastest_name = min(floor_fns, key=timed.__getitem__)
    fastest = timed[fastest_name]
    print(f"# diff bench: {LINES:,} lines, {EDITS} scattered edits -> {len(hunks)} hunks; median of {args.runs} runs")
    print(f"python {platform.python_version()} on {platform.machine()}; fastest floor: {fastest_name}\n")
    print("| subject | median ms | ratio to fastest floor |")
    print("|---|---:|---:|")
    for name, ms in sorted(timed.items(), key=lambda item: item[1]):
        print(f"| {name} | {ms:.2f} | {ms / fastest:.2f}x |")
    ratio = timed["tandem compute_hunks"] / fastest
    print(f"\ncompute_hunks: {ratio:.2f}x the fastest floor (target <= {RATIO_TARGET:.0f}x): "
          f"{'ok' if ratio <= RATIO_TARGET else 'OVER'}")  # fmt: skip
    missing = {"fast-diff-match-patch (line mode)", "pygit2 Patch.create_from", "rapidfuzz Indel.opcodes"} - set(timed)
    if missing:
        print(f"not importable here, so not measured: {', '.join(sorted(missing))} (see the header of this file)")
    print("\n| pipeline step on the same file | median ms | target |")
    print("|---|---:|---:|")
    for name, ms in others.items():
        target = (
            f"<= {REBASE_TARGET_MS:.0f} ms {'ok' if ms <= REBASE_TARGET_MS else 'OVER'}" if "rebase" in name else ""
        )
        print(f"| {name} | {ms:.2f} | {target} |")


if __name__ == "__main__":
    main()
