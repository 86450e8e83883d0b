import { test } from "node:test";
import assert from "node:assert/strict";
import { editedUris, urisToSave, wasApplied, type DocState } from "../../src/edits/savePolicy";

const A = "file:///w/a.py", B = "file:///w/b.py", C = "file:///w/c.py";
const edit = (uri: string) => ({ textDocument: { uri, version: 3 }, edits: [{ newText: "x" }] });

test("edited URIs: text document edits and the changes map, each once; file operations left out", () => {
  assert.deepEqual(editedUris({ documentChanges: [edit(A), edit(B), edit(A)] }), [A, B]);
  assert.deepEqual(editedUris({ changes: { [C]: [] }, documentChanges: [edit(A)] }), [A, C]);
  assert.deepEqual(editedUris({ documentChanges: [{ kind: "create", uri: C } as never, { kind: "rename" } as never] }), []);
  assert.deepEqual(editedUris({ documentChanges: [{ textDocument: { uri: A } }] }), [], "no edits array");
  assert.deepEqual(editedUris(undefined), []);
  assert.deepEqual(editedUris({}), []);
});

const doc = (dirty: boolean, version: number, scheme = "file"): DocState => ({ dirty, scheme, version });

test("saved: the documents that were clean before the edit; the user's dirty buffer is left unsaved", () => {
  const before: Record<string, DocState> = { [A]: doc(false, 4), [B]: doc(true, 7) };
  const after: Record<string, DocState> = { [A]: doc(true, 5), [B]: doc(true, 8) };
  assert.deepEqual(urisToSave([A, B], (u) => before[u], (u) => after[u], true, true), [A]);
  assert.deepEqual(urisToSave([B], (u) => before[u], (u) => after[u], true, true), []);
});

test("not saved when the document moved more than the edit's one step (typed into while it was applied)", () => {
  assert.deepEqual(urisToSave([A], () => doc(false, 4), () => doc(true, 6), true, true), []);
  assert.deepEqual(urisToSave([A], () => doc(false, 4), () => doc(true, 4), true, true), [A], "no change: harmless");
});

test("a document that was not open counts as clean (the disk is what the edit was made against)", () => {
  assert.deepEqual(urisToSave([C], () => undefined, () => doc(true, 2), true, true), [C]);
  assert.deepEqual(urisToSave([C], () => undefined, () => undefined, true, true), [], "not open after either");
});

test("nothing is saved when the setting is off, when the edit was refused, or for untitled documents", () => {
  const clean = () => doc(false, 1), edited = () => doc(true, 2);
  assert.deepEqual(urisToSave([A], clean, edited, true, false), [], "tandem.saveAgentEdits off");
  assert.deepEqual(urisToSave([A], clean, edited, false, true), [], "not applied");
  const U = "untitled:Untitled-1";
  assert.deepEqual(urisToSave([U], () => doc(false, 1, "untitled"), () => doc(true, 2, "untitled"), true, true), []);
  assert.deepEqual(urisToSave([U], () => undefined, () => doc(true, 2, "untitled"), true, true), []);
});

test("applied only when the result says so", () => {
  assert.equal(wasApplied({ applied: true }), true);
  assert.equal(wasApplied({ applied: false, failureReason: "x" }), false);
  assert.equal(wasApplied(undefined), false);
  assert.equal(wasApplied(new Error("x")), false);
});
