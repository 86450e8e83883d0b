import { test } from "node:test";
import assert from "node:assert/strict";
import { applyHunks, hunksFromMeta, hunkStat, parseHunksParams, planDecorations } from "../../src/edits/hunkModel";

const hunk = (o: Partial<Record<string, unknown>>) => ({ id: "h1", oldStart: 2, oldLines: 1, newStart: 2, newLines: 2,
  removed: ["b"], added: ["B", "B2"], ...o });

test("_tandem/hunks params are validated and only known fields kept", () => {
  const ok = parseHunksParams({ uri: "file:///a", path: "/a", sessionId: "s", toolCallId: "t1",
                                hunks: [{ ...hunk({}), extra: 1 }] });
  assert.deepEqual(ok, { uri: "file:///a", path: "/a", sessionId: "s", toolCallId: "t1", hunks: [hunk({})] });
  assert.deepEqual(parseHunksParams({ uri: "file:///a", path: "/a", sessionId: "", hunks: [] })?.hunks, []);
  assert.equal(parseHunksParams({ uri: "file:///a", sessionId: "s", hunks: [hunk({ newStart: -1 })] }), undefined);
  assert.equal(parseHunksParams({ uri: "file:///a", hunks: [] }), undefined);
  assert.equal(parseHunksParams({ uri: "file:///a", sessionId: "s", hunks: [hunk({ added: [1] })] }), undefined);
  assert.equal(parseHunksParams({ uri: "file:///a", sessionId: "s", toolCallId: 3, hunks: [] }), undefined);
});

test("hunks in _meta.tandem of a tool call or its diff", () => {
  assert.deepEqual(hunksFromMeta({ tandem: { hunks: [hunk({})], path: "/a" } }), [hunk({})]);
  assert.equal(hunksFromMeta({ tandem: {} }), undefined);
  assert.equal(hunksFromMeta(null), undefined);
  assert.equal(hunksFromMeta({ tandem: { hunks: [{ id: 1 }] } }), undefined);
  assert.equal(hunkStat(hunk({})), "+2 -1");
});

test("decorations: the lines a hunk replaces (in the buffer now), its new lines shown after them", () => {
  const plan = planDecorations([
    hunk({}),
    hunk({ id: "h2", oldStart: 5, oldLines: 2, newStart: 6, newLines: 0, removed: ["x", "y"], added: [] }),
    hunk({ id: "h3", oldStart: 8, oldLines: 0, newStart: 8, newLines: 1, removed: [], added: ["new"] }),
    hunk({ id: "h4", oldStart: 1, oldLines: 0, newStart: 1, newLines: 1, removed: [], added: ["top"] }),
  ], 10);
  assert.deepEqual(plan.removed, [{ start: 1, end: 1, hunkId: "h1" }, { start: 4, end: 5, hunkId: "h2" }]);
  assert.deepEqual(plan.added, [
    { line: 1, lines: ["B", "B2"], hunkId: "h1", above: false },
    { line: 6, lines: ["new"], hunkId: "h3", above: false },
    { line: 0, lines: ["top"], hunkId: "h4", above: true },
  ]);
  // line numbers past the end (a stale notice) are clamped, never thrown on
  assert.deepEqual(planDecorations([hunk({ oldStart: 50 })], 3).removed, [{ start: 2, end: 2, hunkId: "h1" }]);
});

test("the proposed text is the buffer with every hunk applied", () => {
  const now = "a\nb\nc\nd\nx\ny\ne\n";
  const hunks = [hunk({}), hunk({ id: "h2", oldStart: 5, oldLines: 2, newStart: 6, newLines: 0, removed: ["x", "y"],
                                  added: [] }),
                 hunk({ id: "h3", oldStart: 8, oldLines: 0, newStart: 8, newLines: 1, removed: [], added: ["end"] })];
  assert.equal(applyHunks(now, hunks), "a\nB\nB2\nc\nd\ne\nend\n");
  assert.equal(applyHunks("a\r\nb\r\n", [hunk({})]), "a\r\nB\r\nB2\r\n");
});
