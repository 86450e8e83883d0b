import { test } from "node:test";
import assert from "node:assert/strict";
import { parseHunksParams, planDecorations, reconstructOldText } from "../../src/edits/hunkModel";

const hunk = (o: Partial<Record<string, unknown>>) => ({ id: "h1", oldStart: 2, oldLines: 1, newStart: 2, newLines: 2,
  removed: ["b"], added: ["B", "B2"], ...o });

test("_tandem/hunks params are validated", () => {
  assert.ok(parseHunksParams({ uri: "file:///a", sessionId: "s", hunks: [hunk({})] }));
  assert.deepEqual(parseHunksParams({ uri: "file:///a", sessionId: "s", hunks: [] })?.hunks, []);
  assert.equal(parseHunksParams({ uri: "file:///a", sessionId: "s", hunks: [hunk({ newStart: -1 })] }), undefined);
  assert.equal(parseHunksParams({ uri: "file:///a", hunks: [] }), undefined);
  assert.equal(parseHunksParams({ uri: "file:///a", sessionId: "s", hunks: [hunk({ added: [1] })] }), undefined);
});

test("decorations: added lines as 0-based spans, removed lines anchored at the hunk", () => {
  const plan = planDecorations([hunk({}), hunk({ id: "h2", oldStart: 5, oldLines: 2, newStart: 5, newLines: 0,
                                                removed: ["x", "y"], added: [] })], 10);
  assert.deepEqual(plan.added, [{ start: 1, end: 2, hunkId: "h1" }]);
  assert.deepEqual(plan.removed, [{ line: 1, lines: ["b"], hunkId: "h1" }, { line: 4, lines: ["x", "y"], hunkId: "h2" }]);
});

test("the old text is the new text with each hunk swapped back", () => {
  const oldText = "a\nb\nc\nd\nx\ny\ne\n";
  const newText = "a\nB\nB2\nc\nd\ne\n";
  const hunks = [hunk({}), hunk({ id: "h2", oldStart: 5, oldLines: 2, newStart: 5, newLines: 0, removed: ["x", "y"], added: [] })];
  assert.equal(reconstructOldText(newText, hunks), oldText);
  assert.equal(reconstructOldText("n1\nrest\n", [hunk({ oldStart: 0, oldLines: 0, newStart: 1, newLines: 1, removed: [], added: ["n1"] })]), "rest\n");
});
