import { test } from "node:test";
import assert from "node:assert/strict";
import { parseWebviewMessage } from "../../src/shared/messages";

test("well-formed messages pass, with only their known fields", () => {
  assert.deepEqual(parseWebviewMessage({ type: "ready", extra: 1 }), { type: "ready" });
  assert.deepEqual(parseWebviewMessage({ type: "permission", requestId: "p1", optionId: "allow_once", feedback: "ok" }),
                   { type: "permission", requestId: "p1", optionId: "allow_once", feedback: "ok" });
  assert.deepEqual(parseWebviewMessage({ type: "permission", requestId: "p1", optionId: "x", feedback: "" }),
                   { type: "permission", requestId: "p1", optionId: "x" });
  assert.deepEqual(parseWebviewMessage({ type: "permission", requestId: "p1", optionId: "allow_once",
                                         acceptedHunks: ["a1", "b2"] }),
                   { type: "permission", requestId: "p1", optionId: "allow_once", acceptedHunks: ["a1", "b2"] });
  const link = { label: "@a.py", block: { type: "resource_link", uri: "file:///a.py", name: "a.py" } };
  assert.deepEqual(parseWebviewMessage({ type: "prompt", text: "hi", attachments: [link] }),
                   { type: "prompt", text: "hi", attachments: [link] });
});

test("malformed or unknown messages are refused", () => {
  for (const bad of [null, 1, "x", [], {}, { type: "nope" }, { type: "prompt", text: 1, attachments: [] },
                     { type: "prompt", text: "x", attachments: [{ label: "a", block: { type: "image" } }] },
                     { type: "permission", requestId: "p" },
                     { type: "permission", requestId: "p", optionId: "x", acceptedHunks: "a1" },
                     { type: "permission", requestId: "p", optionId: "x", acceptedHunks: [1] }, { type: "openFile", path: "/a", line: "3" },
                     { type: "setConfig", configId: "model" }, { type: "loadSession" }]) {
    assert.equal(parseWebviewMessage(bad), undefined, JSON.stringify(bad));
  }
});
