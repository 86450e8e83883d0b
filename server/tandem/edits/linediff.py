"""The line diff engine: LSP line splitting and a fast pure-Python diff (prefix/suffix, Myers, patience anchors)."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Sequence

# A change block: a[i1:i2] is replaced by b[j1:j2] (half-open, 0-based line indices).
Block = tuple[int, int, int, int]

# Myers costs about D*D/2 Python steps (D = lines inserted + deleted); beyond this we split on unique lines
# instead, whose cost is near-linear in the region. 128 keeps a failed Myers attempt under ~5 ms.
MYERS_MAX_D = 128

# str.splitlines also breaks on these; LSP (and so every editor position we send) breaks only on \n, \r\n, \r.
_NON_LSP_BREAKS = ("\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")
_LSP_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def split_lines(text: str) -> list[str]:
    """Lines with their terminators kept, so "".join(split_lines(t)) == t; breaks are \\n, \\r\\n and \\r as in LSP."""
    if not any(ch in text for ch in _NON_LSP_BREAKS):
        return text.splitlines(keepends=True)  # C speed, and identical to the LSP rule for such text
    return _LSP_LINE.findall(text)


def strip_eol(line: str) -> str:
    """The line's text without its terminator (a line holds at most one, always at its end)."""
    return line.rstrip("\r\n")


def common_run(a: Sequence, i: int, b: Sequence, j: int, limit: int) -> int:
    """Length of the longest common run a[i:] / b[j:], at most `limit`."""
    if limit <= 0 or a[i] != b[j]:
        return 0
    return _gallop(limit, lambda lo, hi: a[i + lo : i + hi] == b[j + lo : j + hi])


def common_tail(a: Sequence, i_end: int, b: Sequence, j_end: int, limit: int) -> int:
    """Length of the longest common run ending just before a[i_end] / b[j_end], at most `limit`."""
    if limit <= 0 or a[i_end - 1] != b[j_end - 1]:
        return 0
    return _gallop(limit, lambda lo, hi: a[i_end - hi : i_end - lo] == b[j_end - hi : j_end - lo])


def _gallop(limit: int, same: Callable[[int, int], bool]) -> int:
    """The largest n <= limit with a common run of n, given that 1 is one and `same(lo, hi)` says whether the
    elements lo..hi-1 from the run's start also match.

    Gallops with slice comparisons, which run in C, so a long equal stretch costs O(log n) Python steps.
    """
    lo, size = 1, 2
    while True:
        if size >= limit:
            if same(lo, limit):
                return limit
            hi = limit
            break
        if same(lo, size):
            lo, size = size, size * 2
        else:
            hi = size
            break
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if same(lo, mid):
            lo = mid
        else:
            hi = mid
    return lo


def diff_blocks(a: Sequence[str], b: Sequence[str], myers_max_d: int = MYERS_MAX_D) -> list[Block]:
    """The change blocks turning line list `a` into `b`, in order, each separated by at least one equal line.

    Each region is trimmed of its common prefix/suffix (edits are usually local), then diffed with Myers
    (a minimal diff) if its edit distance is at most `myers_max_d`; otherwise it is split on lines that are
    unique in both sides (patience anchors) and the gaps are diffed the same way. A region with no anchor
    becomes one replace block: coarse, but still exact.
    """
    blocks: list[Block] = []
    regions = [(0, len(a), 0, len(b))]
    while regions:
        a0, a1, b0, b1 = regions.pop()
        head = common_run(a, a0, b, b0, min(a1 - a0, b1 - b0))
        a0 += head
        b0 += head
        tail = common_tail(a, a1, b, b1, min(a1 - a0, b1 - b0))
        a1 -= tail
        b1 -= tail
        if a0 == a1 or b0 == b1:
            if a0 < a1 or b0 < b1:
                blocks.append((a0, a1, b0, b1))
            continue
        # D is at least the length difference, so a lopsided region skips the doomed Myers attempt.
        if abs((a1 - a0) - (b1 - b0)) <= myers_max_d:
            found = _myers(a, a0, a1, b, b0, b1, myers_max_d)
            if found is not None:
                blocks.extend(found)
                continue
        anchors = _unique_anchors(a, a0, a1, b, b0, b1)
        if not anchors:
            blocks.append((a0, a1, b0, b1))
            continue
        i_prev, j_prev = a0, b0
        for i, j in anchors:
            regions.append((i_prev, i, j_prev, j))
            i_prev, j_prev = i + 1, j + 1
        regions.append((i_prev, a1, j_prev, b1))
    blocks.sort()
    return _merge_touching(blocks)


def _merge_touching(blocks: list[Block]) -> list[Block]:
    merged: list[Block] = []
    for block in blocks:
        if merged and merged[-1][1] == block[0] and merged[-1][3] == block[2]:
            i1, _, j1, _ = merged[-1]
            merged[-1] = (i1, block[1], j1, block[3])
        else:
            merged.append(block)
    return merged


def _myers(a: Sequence, a0: int, a1: int, b: Sequence, b0: int, b1: int, max_d: int) -> list[Block] | None:
    """Greedy Myers O((N+M)D) on a[a0:a1] vs b[b0:b1]; None when the edit distance exceeds max_d."""
    n, m = a1 - a0, b1 - b0
    off = max_d + 1
    v = [0] * (2 * max_d + 3)
    # snapshots[d] holds v[k] for k in -d-1..d+1 as it was before round d, for the backtrack.
    snapshots: list[list[int]] = []
    for d in range(max_d + 1):
        snapshots.append(v[off - d - 1 : off + d + 2])
        for k in range(-d, d + 1, 2):
            if k == -d or (k != d and v[off + k - 1] < v[off + k + 1]):
                x = v[off + k + 1]
            else:
                x = v[off + k - 1] + 1
            y = x - k
            limit = min(n - x, m - y)
            # Most diagonals fail at once; test one line before paying for the gallop.
            if limit > 0 and a[a0 + x] == b[b0 + y]:
                x += common_run(a, a0 + x, b, b0 + y, limit)
            v[off + k] = x
            if x >= n and x - k >= m:
                return _backtrack(snapshots, n, m, a0, b0)
    return None


def _backtrack(snapshots: list[list[int]], n: int, m: int, a0: int, b0: int) -> list[Block]:
    x, y = n, m
    matches: list[tuple[int, int, int]] = []  # equal runs (x, y, length), collected backwards
    for d in range(len(snapshots) - 1, -1, -1):
        s = snapshots[d]
        k = x - y
        if d == 0:
            start_x, start_y = 0, 0
            prev_x = prev_y = 0
        elif k == -d or (k != d and s[k + d] < s[k + d + 2]):
            prev_x = s[k + d + 2]  # came down from diagonal k+1: an insertion
            prev_y = prev_x - k - 1
            start_x, start_y = prev_x, prev_y + 1
        else:
            prev_x = s[k + d]  # came right from diagonal k-1: a deletion
            prev_y = prev_x - k + 1
            start_x, start_y = prev_x + 1, prev_y
        if x > start_x:
            matches.append((start_x, start_y, x - start_x))
        x, y = prev_x, prev_y
    blocks: list[Block] = []
    i = j = 0
    for mx, my, length in reversed(matches):
        if mx > i or my > j:
            blocks.append((a0 + i, a0 + mx, b0 + j, b0 + my))
        i, j = mx + length, my + length
    if i < n or j < m:
        blocks.append((a0 + i, a0 + n, b0 + j, b0 + m))
    return blocks


def _unique_anchors(a: Sequence, a0: int, a1: int, b: Sequence, b0: int, b1: int) -> list[tuple[int, int]]:
    """Pairs (i, j) of lines occurring once in each side, the longest run increasing in both (patience diff)."""
    count_a = Counter(a[a0:a1])
    count_b = Counter(b[b0:b1])
    where_b = {line: j for j, line in enumerate(b[b0:b1], b0) if count_b[line] == 1}
    pairs = [(i, where_b[line]) for i, line in enumerate(a[a0:a1], a0) if count_a[line] == 1 and line in where_b]
    if not pairs:
        return []
    # Longest increasing subsequence on j by patience sorting, with back links to recover it.
    tails: list[int] = []
    tail_index: list[int] = []
    back = [-1] * len(pairs)
    for index, (_, j) in enumerate(pairs):
        pos = len(tails) if not tails or j > tails[-1] else bisect_left(tails, j)
        if pos == len(tails):
            tails.append(j)
            tail_index.append(index)
        else:
            tails[pos] = j
            tail_index[pos] = index
        back[index] = tail_index[pos - 1] if pos else -1
    chain = []
    index = tail_index[-1]
    while index >= 0:
        chain.append(pairs[index])
        index = back[index]
    chain.reverse()
    return chain
