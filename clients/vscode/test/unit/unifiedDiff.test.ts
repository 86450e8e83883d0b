import { test } from "node:test";
import assert from "node:assert/strict";
import { diffStat, parseUnifiedDiff, reverseApply } from "../../src/review/unifiedDiff";

test("a review diff parses into hunks, and the baseline comes back from the text as it is now", () => {
  const diff = "--- a/x.txt\n+++ b/x.txt\n@@ -2,1 +2,2 @@\n-b\n+B\n+B2\n@@ -5,2 +5,0 @@\n-x\n-y\n@@ -7,0 +7,1 @@\n+tail\n";
  const hunks = parseUnifiedDiff(diff);
  assert.equal(hunks.length, 3);
  assert.deepEqual(hunks[0], { oldStart: 2, oldLines: 1, newStart: 2, newLines: 2, removed: ["b"], added: ["B", "B2"],
                               removedNoEol: false, addedNoEol: false });
  assert.deepEqual(diffStat(hunks), { added: 3, removed: 3 });
});

test("reverseApply rebuilds the baseline (replacement, deletion, insertion, created file, CRLF, no final newline)", () => {
  // diffs exactly as the server's to_unified(compute_hunks(baseline, now)) writes them
  const baseline = "a\nb\nc\nd\nx\ny\ne\n";
  const now = "a\nB\nB2\nc\nd\ne\ntail\n";
  const diff = "--- a/p\n+++ b/p\n@@ -2,1 +2,2 @@\n-b\n+B\n+B2\n@@ -5,2 +5,0 @@\n-x\n-y\n@@ -7,0 +7,1 @@\n+tail\n";
  assert.equal(reverseApply(now, parseUnifiedDiff(diff)), baseline);
  assert.equal(reverseApply("new\nfile\n", parseUnifiedDiff("@@ -0,0 +1,2 @@\n+new\n+file\n")), "");
  assert.equal(reverseApply("a\r\nZ\r\n", parseUnifiedDiff("@@ -2,1 +2,1 @@\n-b\n+Z\n")), "a\r\nb\r\n");
  assert.equal(reverseApply("a\nb\n", parseUnifiedDiff("@@ -2,1 +2,1 @@\n-b\n\\ No newline at end of file\n+b\n")), "a\nb");
  assert.equal(reverseApply("", parseUnifiedDiff("@@ -1,2 +0,0 @@\n-gone\n-too\n")), "gone\ntoo\n");
  assert.equal(reverseApply("a", parseUnifiedDiff("@@ -1,2 +1,1 @@\n-a\n-b\n+a\n\\ No newline at end of file\n")), "a\nb\n");
  assert.equal(reverseApply("x\ny", parseUnifiedDiff("@@ -1,0 +2,1 @@\n+y\n\\ No newline at end of file\n")), "x\n");
});
