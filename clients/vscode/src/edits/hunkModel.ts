// Pure logic for pending hunks (`_tandem/hunks`, `_meta.tandem.hunks`): validate what the server sent, plan the
// decorations, compute the proposed text. The wire types are the generated ones (../protocol/types.gen).
//
// While a proposal waits, the buffer still holds the file as it is now: a hunk's removed lines are in it (lines
// oldStart .. oldStart+oldLines-1, 1-based), its added lines are not (they go in their place, or before oldStart when
// oldLines is 0). Accepting a hunk writes it through workspace/applyEdit; the server then sends the hunks anew.
import type { HunkInfo, PendingHunksParams } from "../protocol/types.gen";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0;
const isLines = (v: unknown): v is string[] => Array.isArray(v) && v.every((l) => typeof l === "string");

export function isHunkInfo(v: unknown): v is HunkInfo {
  return isObj(v) && typeof v.id === "string" && isCount(v.oldStart) && isCount(v.oldLines) && isCount(v.newStart)
    && isCount(v.newLines) && isLines(v.removed) && isLines(v.added);
}

function pickHunk(h: HunkInfo): HunkInfo {
  return { id: h.id, oldStart: h.oldStart, oldLines: h.oldLines, newStart: h.newStart, newLines: h.newLines,
           removed: h.removed, added: h.added };
}

/** `_tandem/hunks` params if well-formed (only the known fields kept), else undefined. */
export function parseHunksParams(v: unknown): PendingHunksParams | undefined {
  if (!isObj(v) || typeof v.uri !== "string" || typeof v.sessionId !== "string" || !Array.isArray(v.hunks)) {
    return undefined;
  }
  if (!v.hunks.every(isHunkInfo)) return undefined;
  if (v.toolCallId !== undefined && v.toolCallId !== null && typeof v.toolCallId !== "string") return undefined;
  const params: PendingHunksParams = { uri: v.uri, path: typeof v.path === "string" ? v.path : "",
                                       sessionId: v.sessionId, hunks: (v.hunks as HunkInfo[]).map(pickHunk) };
  if (typeof v.toolCallId === "string") params.toolCallId = v.toolCallId;
  return params;
}

/** The hunks in a `_meta` object (`_meta.tandem.hunks` of a tool call or of its diff content), if any. */
export function hunksFromMeta(meta: unknown): HunkInfo[] | undefined {
  if (!isObj(meta) || !isObj(meta.tandem) || !Array.isArray(meta.tandem.hunks)) return undefined;
  const hunks = meta.tandem.hunks;
  return hunks.every(isHunkInfo) ? hunks.map(pickHunk) : undefined;
}

/** What to draw, in 0-based lines of the buffer as it is now. */
export interface HunkDecorationPlan {
  /** Lines the hunk would remove or replace (end inclusive). */
  removed: { start: number; end: number; hunkId: string }[];
  /** The lines it would put there, shown at `line`: after it, or `above` it for an insertion at the very top. */
  added: { line: number; lines: string[]; hunkId: string; above: boolean }[];
}

export function planDecorations(hunks: readonly HunkInfo[], lineCount: number): HunkDecorationPlan {
  const plan: HunkDecorationPlan = { removed: [], added: [] };
  const last = Math.max(0, lineCount - 1);
  const clamp = (n: number): number => Math.min(Math.max(0, n), last);
  for (const h of hunks) {
    const start = clamp(h.oldStart - 1);
    if (h.oldLines > 0) {
      const end = clamp(h.oldStart - 1 + h.oldLines - 1);
      plan.removed.push({ start, end, hunkId: h.id });
      if (h.added.length > 0) plan.added.push({ line: end, lines: h.added, hunkId: h.id, above: false });
    } else if (h.added.length > 0) {
      // a pure insertion before line oldStart: shown after the line before it, or above the first line
      const above = h.oldStart <= 1;
      plan.added.push({ line: above ? 0 : clamp(h.oldStart - 2), lines: h.added, hunkId: h.id, above });
    }
  }
  return plan;
}

/** The text once every hunk applies: `current` is the buffer the hunks were computed against. */
export function applyHunks(current: string, hunks: readonly HunkInfo[]): string {
  const eol = current.includes("\r\n") ? "\r\n" : "\n";
  const lines = current.split(/\r?\n/);
  for (const h of [...hunks].sort((a, b) => b.oldStart - a.oldStart)) {
    lines.splice(Math.max(0, h.oldStart - 1), h.oldLines, ...h.added);
  }
  return lines.join(eol);
}

/** "+2 -1": lines added and removed, for labels. */
export function hunkStat(h: HunkInfo): string {
  return `+${h.added.length} -${h.removed.length}`;
}
