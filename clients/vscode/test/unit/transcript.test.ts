import { test } from "node:test";
import assert from "node:assert/strict";
import { applyUpdate, emptyState, followPermissions, formatCost, restoreState } from "../../webview/transcript";

test("chunks of one message fold into one entry; a new messageId starts another", () => {
  const s = emptyState();
  applyUpdate(s, { sessionUpdate: "agent_thought_chunk", messageId: "t1", content: { type: "text", text: "hm" } });
  applyUpdate(s, { sessionUpdate: "agent_message_chunk", messageId: "m1", content: { type: "text", text: "Hel" } });
  const change = applyUpdate(s, { sessionUpdate: "agent_message_chunk", messageId: "m1", content: { type: "text", text: "lo" } });
  assert.deepEqual(change, { entries: [1], header: false });
  applyUpdate(s, { sessionUpdate: "agent_message_chunk", messageId: "m2", content: { type: "text", text: "Next" } });
  assert.deepEqual(s.entries.map((e) => e.kind), ["thought", "agent", "agent"]);
  assert.equal(s.entries[1]!.kind === "agent" && s.entries[1]!.text, "Hello");
});

test("tool calls are upserts of one record; plans replace the previous plan", () => {
  const s = emptyState();
  applyUpdate(s, { sessionUpdate: "tool_call", toolCallId: "c1", title: "Bash", kind: "execute", status: "pending" });
  applyUpdate(s, { sessionUpdate: "tool_call_update", toolCallId: "c1", status: "completed", title: null,
                   content: [{ type: "content", content: { type: "text", text: "out" } }] });
  assert.equal(s.entries.length, 1);
  const e = s.entries[0]!;
  assert.ok(e.kind === "tool" && e.call.status === "completed" && e.call.title === "Bash" && e.call.content?.length === 1);
  applyUpdate(s, { sessionUpdate: "plan", entries: [{ content: "a", priority: "high", status: "pending" }] });
  applyUpdate(s, { sessionUpdate: "plan", entries: [{ content: "a", priority: "high", status: "completed" }] });
  assert.equal(s.entries.length, 2);
});

test("mode, config, usage and title update the header", () => {
  const s = emptyState();
  assert.equal(applyUpdate(s, { sessionUpdate: "current_mode_update", currentModeId: "plan" }).header, true);
  assert.equal(s.modes?.currentModeId, "plan");
  applyUpdate(s, { sessionUpdate: "usage_update", used: 2100, size: 200000, cost: { amount: 0.0049, currency: "USD" } });
  assert.equal(formatCost(s.usage!.cost), "$0.0049");
  applyUpdate(s, { sessionUpdate: "session_info_update", title: "Fix it" });
  assert.equal(s.title, "Fix it");
});

test("a saved state is restored without stale turn or permission state; junk starts fresh", () => {
  const s = emptyState();
  applyUpdate(s, { sessionUpdate: "agent_message_chunk", content: { type: "text", text: "x" } });
  s.running = true;
  const restored = restoreState(JSON.parse(JSON.stringify(s)));
  assert.equal(restored.entries.length, 1);
  assert.equal(restored.running, false);
  assert.deepEqual(restoreState({ version: 9 }), emptyState());
  assert.deepEqual(restoreState("junk"), emptyState());
});

test("a tool_call_update refreshes the permission card of that call (a rebased diff, hunks decided in the editor)", () => {
  const s = emptyState();
  s.permissions.push({ requestId: "p1", request: { sessionId: "s", options: [],
    toolCall: { toolCallId: "w1", title: "Write a.txt", _meta: { tandem: { hunks: [] } } } } });
  const diff = { type: "diff" as const, path: "/a.txt", oldText: "x\n", newText: "y\n", _meta: { tandem: { hunks: [] } } };
  assert.equal(followPermissions(s, { sessionUpdate: "tool_call_update", toolCallId: "w1", content: [diff], title: null }), true);
  assert.deepEqual(s.permissions[0]!.request.toolCall.content, [diff]);
  assert.equal(s.permissions[0]!.request.toolCall.title, "Write a.txt");
  assert.equal(followPermissions(s, { sessionUpdate: "tool_call_update", toolCallId: "other", status: "completed" }), false);
  assert.equal(followPermissions(s, { sessionUpdate: "plan", entries: [] }), false);
});
