// Pure: read the unified diffs of `_tandem/review/list` (baseline -> now) and rebuild the baseline text from the text
// as it is now, so the native diff editor can show both sides.

import type { HunkInfo } from "../protocol/types.gen";

/** A hunk read back from a unified diff: the wire's HunkInfo without its id, plus the end-of-file markers. */
export interface DiffHunk extends Omit<HunkInfo, "id"> {
  /** The last removed / added line had no line ending (the "\ No newline at end of file" marker). */
  removedNoEol: boolean;
  addedNoEol: boolean;
}

const HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/** The hunks of a unified diff (file headers and context lines are skipped). */
export function parseUnifiedDiff(diff: string): DiffHunk[] {
  const hunks: DiffHunk[] = [];
  let current: DiffHunk | undefined;
  let last: "-" | "+" | " " | undefined;
  for (const line of diff.split("\n")) {
    const m = HEADER.exec(line);
    if (m) {
      current = { oldStart: Number(m[1]), oldLines: m[2] === undefined ? 1 : Number(m[2]),
                  newStart: Number(m[3]), newLines: m[4] === undefined ? 1 : Number(m[4]),
                  removed: [], added: [], removedNoEol: false, addedNoEol: false };
      hunks.push(current);
      last = undefined;
      continue;
    }
    if (!current || line.startsWith("--- ") || line.startsWith("+++ ")) continue;
    const body = line.replace(/\r$/, "").slice(1);
    if (line.startsWith("-")) { current.removed.push(body); last = "-"; }
    else if (line.startsWith("+")) { current.added.push(body); last = "+"; }
    else if (line.startsWith(" ")) { last = " "; }
    else if (line.startsWith("\\")) {
      if (last === "-") current.removedNoEol = true;
      else if (last === "+") current.addedNoEol = true;
    }
  }
  return hunks;
}

/** The text before the diff, given the text after it (`now`): each hunk's added lines swapped back for its removed
 *  ones. Line numbers are those of the diff's headers (an empty range is numbered by the line before it). */
export function reverseApply(now: string, hunks: readonly DiffHunk[]): string {
  const eol = now.includes("\r\n") ? "\r\n" : "\n";
  const lines = now.match(/[^\n]*\n|[^\n]+$/g) ?? [];  // each line with its own ending
  for (const h of [...hunks].sort((a, b) => b.newStart - a.newStart)) {
    const at = h.newLines > 0 ? h.newStart - 1 : h.newStart;
    const old = h.removed.map((l, i) => (i === h.removed.length - 1 && h.removedNoEol ? l : l + eol));
    lines.splice(Math.max(0, at), h.newLines, ...old);
  }
  return lines.join("");
}

/** "+3 -1" for a diff: lines added and removed. */
export function diffStat(hunks: readonly DiffHunk[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const h of hunks) { added += h.added.length; removed += h.removed.length; }
  return { added, removed };
}
