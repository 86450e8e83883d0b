// Pure logic for pending hunks (the `_tandem/hunks` contract): validate params, decoration ranges, the old text.
//
// CONTRACT (agreed with the server side, not yet in protocol/ nor the generated types; once the server adds a
// Struct for it, replace these interfaces with imports from ../protocol/types.gen):
//   notification `_tandem/hunks` {uri, sessionId, hunks: [{id, oldStart, oldLines, newStart, newLines, removed, added}]}
//   an empty list means nothing is pending for that uri. Line numbers are 1-based, as in a unified diff; the buffer
//   holds the new text (added lines are in it, removed lines are not).

export interface PendingHunk {
  id: string;
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  removed: string[];
  added: string[];
}

export interface HunksParams {
  uri: string;
  sessionId: string;
  hunks: PendingHunk[];
}

const isInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0;
const isLines = (v: unknown): v is string[] => Array.isArray(v) && v.every((l) => typeof l === "string");

export function parseHunksParams(v: unknown): HunksParams | undefined {
  if (typeof v !== "object" || v === null) return undefined;
  const o = v as Record<string, unknown>;
  if (typeof o.uri !== "string" || typeof o.sessionId !== "string" || !Array.isArray(o.hunks)) return undefined;
  const hunks: PendingHunk[] = [];
  for (const h of o.hunks) {
    if (typeof h !== "object" || h === null) return undefined;
    const x = h as Record<string, unknown>;
    if (typeof x.id !== "string" || !isInt(x.oldStart) || !isInt(x.oldLines) || !isInt(x.newStart)
        || !isInt(x.newLines) || !isLines(x.removed) || !isLines(x.added)) return undefined;
    hunks.push({ id: x.id, oldStart: x.oldStart, oldLines: x.oldLines, newStart: x.newStart, newLines: x.newLines,
                 removed: x.removed, added: x.added });
  }
  return { uri: o.uri, sessionId: o.sessionId, hunks };
}

/** 0-based, end-inclusive line spans to decorate. */
export interface HunkDecorationPlan {
  added: { start: number; end: number; hunkId: string }[];
  /** Removed lines shown at `line` (the first line of the hunk in the new text, or the line before a pure deletion). */
  removed: { line: number; lines: string[]; hunkId: string }[];
}

export function planDecorations(hunks: readonly PendingHunk[], lineCount: number): HunkDecorationPlan {
  const plan: HunkDecorationPlan = { added: [], removed: [] };
  const last = Math.max(0, lineCount - 1);
  for (const h of hunks) {
    const start = Math.min(Math.max(0, h.newStart - 1), last);
    if (h.newLines > 0) plan.added.push({ start, end: Math.min(start + h.newLines - 1, last), hunkId: h.id });
    if (h.removed.length > 0) {
      // A pure deletion (newLines 0): unified diffs give newStart as the line *before* the gap.
      const line = h.newLines > 0 ? start : Math.min(Math.max(0, h.newStart - 1), last);
      plan.removed.push({ line, lines: h.removed, hunkId: h.id });
    }
  }
  return plan;
}

/** The text before the pending hunks: the new text with each hunk's added lines swapped back for its removed ones. */
export function reconstructOldText(newText: string, hunks: readonly PendingHunk[]): string {
  const eol = newText.includes("\r\n") ? "\r\n" : "\n";
  const lines = newText.split(/\r?\n/);
  const sorted = [...hunks].sort((a, b) => b.newStart - a.newStart);
  for (const h of sorted) {
    const at = h.newLines > 0 ? h.newStart - 1 : h.newStart;
    lines.splice(Math.max(0, at), h.newLines, ...h.removed);
  }
  return lines.join(eol);
}
