// The chat UI inside the webview: renders the transcript incrementally (one DOM node per entry, re-rendered only
// when its entry changes, at most once per animation frame) and talks to the host through the typed bridge.
import "./style.css";
import type { HostMessage, WebviewMessage, Attachment } from "../src/shared/messages";
import { isHostMessage } from "../src/shared/messages";
import type {
  HunkInfo, PermissionOption, RequestPermissionRequest, ToolCallContent, ToolCallFields,
} from "../src/protocol/types.gen";
import { hunksFromMeta, hunkStat } from "../src/edits/hunkModel";
import { escapeHtml, renderMarkdown } from "./markdown";
import {
  addNotice, addUserPrompt, applyUpdate, emptyState, followPermissions, formatCost, formatTokens, restoreState,
  type ChatState, type Entry,
} from "./transcript";

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

/** Timings the e2e test reads: when an update arrived from the host and when it was on screen. */
interface Metrics {
  firstChunk: { hostT: number; received: number; painted: number } | null;
  chunks: { hostT: number; received: number; painted: number }[];
  lastRenderMs: number;
}
const metrics: Metrics = { firstChunk: null, chunks: [], lastRenderMs: 0 };
(window as unknown as { __tandemMetrics: Metrics }).__tandemMetrics = metrics;

const vscode = acquireVsCodeApi();
let state: ChatState = restoreState(vscode.getState());
let attachments: Attachment[] = [];
let sessions: { sessionId: string; title?: string | null; updatedAt?: string | null }[] = [];
const send = (m: WebviewMessage): void => vscode.postMessage(m);

// ---- skeleton -----------------------------------------------------------------------------------------------------

const app = document.getElementById("app")!;
app.innerHTML = `
<header>
  <div class="row">
    <button id="new" type="button" title="New session">+ New</button>
    <button id="history" type="button" title="Sessions">History</button>
    <span id="title" class="title"></span>
  </div>
  <div class="row pickers">
    <label>Mode <select id="mode" aria-label="Mode"></select></label>
    <span id="config"></span>
    <span id="usage" class="usage"></span>
  </div>
  <div id="sessions" class="sessions" hidden></div>
</header>
<main id="transcript" aria-live="polite"></main>
<section id="permissions"></section>
<footer>
  <div id="attachments" class="attachments"></div>
  <textarea id="input" rows="3" placeholder="Ask Tandem… (Enter sends, Shift+Enter for a new line)"></textarea>
  <div class="row">
    <button id="mention" type="button" title="Mention a file">@ File</button>
    <span id="busy" class="busy"></span>
    <button id="stop" type="button" class="danger">Stop</button>
    <button id="send" type="button" class="primary">Send</button>
  </div>
</footer>`;
const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const transcript = $<HTMLElement>("transcript");
const input = $<HTMLTextAreaElement>("input");
const permissionsEl = $<HTMLElement>("permissions");
input.value = state.draft;

// ---- rendering ----------------------------------------------------------------------------------------------------

const nodes: HTMLElement[] = [];
const dirty = new Set<number>();
let headerDirty = true;
let permissionsDirty = true;
let frame = 0;
let pendingChunkTimes: { hostT: number; received: number }[] = [];

function schedule(): void {
  if (frame) return;
  frame = requestAnimationFrame(flush);
}

function flush(): void {
  frame = 0;
  const start = performance.now();
  const atBottom = transcript.scrollHeight - transcript.scrollTop - transcript.clientHeight < 40;
  if (nodes.length > state.entries.length) {
    for (const n of nodes.splice(state.entries.length)) n.remove();
  }
  const fragment = document.createDocumentFragment();
  const sorted = [...dirty].sort((a, b) => a - b);
  for (const i of sorted) {
    const entry = state.entries[i];
    if (!entry) continue;
    const node = nodes[i] ?? document.createElement("div");
    renderEntry(node, entry);
    if (!nodes[i]) { nodes[i] = node; fragment.appendChild(node); }
  }
  if (fragment.childNodes.length) transcript.appendChild(fragment);
  dirty.clear();
  if (headerDirty) renderHeader();
  if (permissionsDirty) renderPermissions();
  headerDirty = permissionsDirty = false;
  renderBusy();
  if (atBottom) transcript.scrollTop = transcript.scrollHeight;
  metrics.lastRenderMs = performance.now() - start;
  const painted = Date.now();
  for (const c of pendingChunkTimes) {
    const record = { ...c, painted };
    metrics.firstChunk ??= record;
    if (metrics.chunks.length < 10_000) metrics.chunks.push(record);
  }
  pendingChunkTimes = [];
  saveSoon();
}

let saveTimer: ReturnType<typeof setTimeout> | undefined;
function saveSoon(): void {
  if (saveTimer) return;
  saveTimer = setTimeout(() => {
    saveTimer = undefined;
    state.draft = input.value;
    vscode.setState(state);
  }, 300);
}

function rerenderAll(): void {
  for (const n of nodes.splice(0)) n.remove();
  transcript.textContent = "";
  for (let i = 0; i < state.entries.length; i++) dirty.add(i);
  headerDirty = permissionsDirty = true;
  schedule();
}

const KIND_ICON: Record<string, string> = { read: "◧", edit: "✎", delete: "✕", move: "↪", search: "⌕",
  execute: "▶", think: "…", fetch: "⇣", switch_mode: "⇄", other: "•" };

function renderEntry(node: HTMLElement, e: Entry): void {
  switch (e.kind) {
    case "user":
      node.className = "msg user";
      node.innerHTML = `<div class="who">You</div><div class="body">${escapeHtml(e.text).replace(/\n/g, "<br>")}</div>` +
        (e.attachments.length ? `<div class="chips">${e.attachments.map((a) => `<span class="chip">${escapeHtml(a)}</span>`).join("")}</div>` : "");
      return;
    case "agent":
      node.className = "msg agent";
      node.innerHTML = `<div class="body markdown">${renderMarkdown(e.text)}</div>`;
      return;
    case "thought": {
      const open = node.querySelector("details")?.open ?? false;
      node.className = "msg thought";
      node.innerHTML = `<details${open ? " open" : ""}><summary>Thinking</summary><div class="body">${escapeHtml(e.text).replace(/\n/g, "<br>")}</div></details>`;
      return;
    }
    case "tool":
      node.className = `tool status-${e.call.status ?? "pending"}`;
      node.dataset.toolCallId = e.call.toolCallId;
      node.innerHTML = renderTool(e.call);
      return;
    case "plan":
      node.className = "plan";
      node.innerHTML = `<div class="who">Plan</div><ol>${e.entries.map((p) =>
        `<li class="plan-${p.status}"><span class="mark">${p.status === "completed" ? "✔" : p.status === "in_progress" ? "▸" : "○"}</span> ${escapeHtml(p.content)}</li>`).join("")}</ol>`;
      return;
    case "notice":
      node.className = `notice ${e.level}`;
      node.textContent = e.text;
      return;
  }
}

function renderContent(c: ToolCallContent, index: number): string {
  if (c.type === "diff") {
    const oldCount = c.oldText == null ? 0 : c.oldText.split("\n").length;
    const newCount = c.newText.split("\n").length;
    const name = c.path.split(/[\\/]/).pop() ?? c.path;
    return `<div class="diff"><span class="path" title="${escapeHtml(c.path)}">${escapeHtml(name)}</span> ` +
      `<span class="counts">${c.oldText == null ? "new file, " : ""}${oldCount} → ${newCount} lines</span> ` +
      `<button type="button" class="open-diff" data-index="${index}">Open diff</button></div>`;
  }
  if (c.type === "terminal") return `<div class="terminal">terminal ${escapeHtml(c.terminalId)}</div>`;
  const block = c.content;
  const text = block.type === "text" ? block.text : block.type === "resource" ? block.resource.text : "";
  if (!text) return "";
  const clipped = text.length > 4000 ? `${text.slice(0, 4000)}\n… (${text.length - 4000} more characters)` : text;
  return `<pre class="output">${escapeHtml(clipped)}</pre>`;
}

function renderTool(call: ToolCallFields): string {
  const kind = call.kind ?? "other";
  const status = call.status ?? "pending";
  const content = (call.content ?? []).map(renderContent).join("");
  const locations = (call.locations ?? []).map((l) =>
    `<a href="#" class="location" data-path="${escapeHtml(l.path)}" data-line="${l.line ?? ""}">${escapeHtml(l.path.split(/[\\/]/).pop() ?? l.path)}${l.line ? `:${l.line}` : ""}</a>`).join(" ");
  return `<div class="tool-head"><span class="icon" title="${kind}">${KIND_ICON[kind] ?? "•"}</span>` +
    `<span class="tool-title">${escapeHtml(call.title ?? call.name ?? "Tool")}</span>` +
    `<span class="badge status-${status}">${status.replace("_", " ")}</span></div>` +
    (locations ? `<div class="locations">${locations}</div>` : "") +
    (content ? `<div class="tool-body">${content}</div>` : "");
}

function optionButton(o: PermissionOption): string {
  // short labels for the standard options; any other (e.g. "Allow once, outside the sandbox") keeps the server's name
  const standard = o.optionId === o.kind;
  const label = !standard ? o.name : o.kind === "allow_once" ? "Allow once" : o.kind === "allow_always" ? "Always" :
    o.kind === "reject_once" ? "Reject" : o.name;
  const cls = o.kind.startsWith("allow") ? "primary" : "danger";
  return `<button type="button" class="${cls}" data-option="${escapeHtml(o.optionId)}" data-kind="${escapeHtml(o.kind)}" ` +
    `data-label="${escapeHtml(label)}" title="${escapeHtml(o.name)}">${escapeHtml(label)}</button>`;
}

/** The hunks still open in an edit's card: the diff content's (refreshed by tool_call_update), else the request's. */
function cardHunks(call: ToolCallFields): HunkInfo[] {
  for (const c of call.content ?? []) {
    const hunks = c.type === "diff" ? hunksFromMeta(c._meta) : undefined;
    if (hunks) return hunks;
  }
  return hunksFromMeta(call._meta) ?? [];
}

/** Hunks the user unticked in a card, by request: kept across re-renders (rebases re-render the card). */
const unticked = new Map<string, Set<string>>();
const MAX_SHOWN = 8;

function renderHunk(requestId: string, h: HunkInfo): string {
  const lines = [...h.removed.map((l) => ({ sign: "-", l })), ...h.added.map((l) => ({ sign: "+", l }))];
  const shown = lines.slice(0, MAX_SHOWN).map(({ sign, l }) =>
    `<div class="${sign === "-" ? "del" : "add"}">${sign} ${escapeHtml(l)}</div>`).join("");
  const more = lines.length > MAX_SHOWN ? `<div class="more">… ${lines.length - MAX_SHOWN} more lines</div>` : "";
  const checked = unticked.get(requestId)?.has(h.id) ? "" : " checked";
  return `<label class="hunk"><input type="checkbox" data-hunk="${escapeHtml(h.id)}"${checked}>` +
    `<span class="hunk-head">line ${h.oldStart} <span class="stat">${hunkStat(h)}</span></span></label>` +
    `<div class="hunk-lines">${shown}${more}</div>`;
}

/** Allow buttons say how much they apply, and cannot apply nothing. */
function syncAllowButtons(box: HTMLElement): void {
  const boxes = Array.from(box.querySelectorAll<HTMLInputElement>("input[data-hunk]"));
  const on = boxes.filter((b) => b.checked).length;
  for (const b of Array.from(box.querySelectorAll<HTMLButtonElement>("button[data-kind^=allow]"))) {
    b.disabled = boxes.length > 0 && on === 0;
    const base = b.dataset.label ?? b.textContent ?? "";
    b.textContent = boxes.length > 1 && on < boxes.length ? `${base} (${on} of ${boxes.length})` : base;
  }
}

function renderPermissions(): void {
  // keep what the user typed or unticked, and the note's focus, across the re-render
  const notes = new Map<string, string>();
  for (const el of Array.from(permissionsEl.querySelectorAll<HTMLInputElement>(".permission input.note"))) {
    const id = el.closest<HTMLElement>(".permission")?.dataset.request;
    if (id) notes.set(id, el.value);
  }
  const focused = document.activeElement instanceof HTMLInputElement && document.activeElement.matches("input.note")
    ? document.activeElement.closest<HTMLElement>(".permission")?.dataset.request : undefined;
  permissionsEl.innerHTML = state.permissions.map(({ requestId, request }) => {
    const call = request.toolCall;
    const hunks = cardHunks(call);
    const picker = hunks.length > 1
      ? `<div class="hunks"><div class="hint">Tick the hunks to apply:</div>${hunks.map((h) => renderHunk(requestId, h)).join("")}</div>`
      : "";
    return `<div class="permission" data-request="${escapeHtml(requestId)}">
      <div class="who">Permission needed</div>
      ${renderTool({ ...call, status: call.status ?? "pending" })}
      ${picker}
      <input class="note" type="text" placeholder="Optional note to the agent">
      <div class="row">${request.options.map(optionButton).join("")}</div>
    </div>`;
  }).join("");
  for (const box of Array.from(permissionsEl.querySelectorAll<HTMLElement>(".permission"))) {
    const id = box.dataset.request ?? "";
    const note = box.querySelector<HTMLInputElement>("input.note");
    if (note && notes.has(id)) note.value = notes.get(id) ?? "";
    if (note && focused === id) note.focus({ preventScroll: true });
    syncAllowButtons(box);
  }
  const first = permissionsEl.querySelector<HTMLButtonElement>("button.primary");
  // Only when the chat already has focus: focusing inside an unfocused webview would pull focus from the editor.
  if (first && !focused && document.hasFocus() && document.activeElement !== input) first.focus({ preventScroll: true });
}

function renderHeader(): void {
  $<HTMLElement>("title").textContent = state.title ?? (state.sessionId ? `Session ${state.sessionId.slice(0, 8)}` : "No session yet");
  const mode = $<HTMLSelectElement>("mode");
  const modes = state.modes?.availableModes ?? [];
  mode.innerHTML = modes.map((m) => `<option value="${escapeHtml(m.id)}"${m.id === state.modes?.currentModeId ? " selected" : ""}>${escapeHtml(m.name)}</option>`).join("")
    || `<option>${escapeHtml(state.modes?.currentModeId ?? "default")}</option>`;
  mode.disabled = modes.length === 0;
  const config = $<HTMLElement>("config");
  config.innerHTML = (state.configOptions ?? []).filter((o) => o.category !== "mode").map((o) =>
    `<label>${escapeHtml(o.name)} <select data-config="${escapeHtml(o.id)}" aria-label="${escapeHtml(o.name)}">${o.options.map((v) =>
      `<option value="${escapeHtml(v.value)}"${v.value === o.currentValue ? " selected" : ""}>${escapeHtml(v.name)}</option>`).join("")}</select></label>`).join("");
  const u = state.usage;
  $<HTMLElement>("usage").textContent = u ? `${formatTokens(u.used)} / ${formatTokens(u.size)} tokens${u.cost ? ` · ${formatCost(u.cost)}` : ""}` : "";
}

function renderBusy(): void {
  $<HTMLElement>("busy").textContent = state.running ? (state.permissions.length ? "Waiting for you…" : "Working…") : "";
  $<HTMLButtonElement>("stop").hidden = !state.running;
  $<HTMLButtonElement>("send").disabled = state.running;
  const chips = $<HTMLElement>("attachments");
  chips.innerHTML = attachments.map((a, i) =>
    `<span class="chip">${escapeHtml(a.label)} <button type="button" class="remove" data-remove="${i}" title="Remove">×</button></span>`).join("");
}

function renderSessions(): void {
  const el = $<HTMLElement>("sessions");
  el.innerHTML = sessions.length === 0 ? `<div class="empty">No stored sessions.</div>` : sessions.map((s) =>
    `<button type="button" class="session" data-session="${escapeHtml(s.sessionId)}"><span>${escapeHtml(s.title || s.sessionId)}</span><small>${escapeHtml(s.updatedAt ?? "")}</small></button>`).join("");
  el.hidden = false;
}

// ---- messages from the host ---------------------------------------------------------------------------------------

function mark(change: { entries: number[]; header: boolean }): void {
  for (const i of change.entries) dirty.add(i);
  if (change.header) headerDirty = true;
}

function handle(m: HostMessage): void {
  switch (m.type) {
    case "batch":
      for (const inner of m.messages) handle(inner);
      return;
    case "update":
      if (state.sessionId !== null && m.sessionId !== state.sessionId) return;
      mark(applyUpdate(state, m.update));
      if (followPermissions(state, m.update)) permissionsDirty = true;
      if (m.update.sessionUpdate === "agent_message_chunk") pendingChunkTimes.push({ hostT: m.t, received: Date.now() });
      break;
    case "session":
      if (m.reset || state.sessionId !== m.sessionId) {
        const draft = input.value;
        state = { ...emptyState(), sessionId: m.sessionId, draft };
        rerenderAll();
      }
      if (m.modes) state.modes = m.modes;
      if (m.configOptions) state.configOptions = m.configOptions;
      $<HTMLElement>("sessions").hidden = true;
      headerDirty = true;
      break;
    case "userPrompt":
      mark(addUserPrompt(state, m.text, m.attachments.map((a) => a.label)));
      break;
    case "turn":
      state.running = m.running;
      if (!m.running && m.stopReason && m.stopReason !== "end_turn") {
        mark(addNotice(state, m.stopReason === "error" ? `Error: ${m.error ?? "unknown"}` : `Stopped: ${m.stopReason.replace(/_/g, " ")}`,
                       m.stopReason === "error" ? "error" : "info"));
      }
      break;
    case "permission":
      if (!state.permissions.some((p) => p.requestId === m.requestId)) state.permissions.push({ requestId: m.requestId, request: m.request });
      permissionsDirty = true;
      break;
    case "permissionResolved":
      state.permissions = state.permissions.filter((p) => p.requestId !== m.requestId);
      unticked.delete(m.requestId);
      permissionsDirty = true;
      break;
    case "sessions":
      sessions = m.sessions;
      renderSessions();
      return;
    case "server":
      if (m.state === "error" || m.state === "restarting") mark(addNotice(state, m.message ?? `Server ${m.state}`, m.state === "error" ? "error" : "info"));
      break;
    case "attach":
      attachments.push(m.attachment);
      input.focus();
      break;
  }
  schedule();
}

window.addEventListener("message", (event: MessageEvent<unknown>) => {
  if (isHostMessage(event.data)) handle(event.data);
});

// ---- user input ---------------------------------------------------------------------------------------------------

function submit(): void {
  const text = input.value;
  if (state.running || (!text.trim() && attachments.length === 0)) return;
  send({ type: "prompt", text, attachments });
  input.value = "";
  attachments = [];
  state.draft = "";
  schedule();
}

input.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    submit();
  }
});
input.addEventListener("input", saveSoon);
$("send").addEventListener("click", submit);
$("stop").addEventListener("click", () => send({ type: "cancel" }));
$("new").addEventListener("click", () => send({ type: "newSession" }));
$("mention").addEventListener("click", () => send({ type: "mention" }));
$("history").addEventListener("click", () => {
  const el = $<HTMLElement>("sessions");
  if (!el.hidden) { el.hidden = true; return; }
  send({ type: "listSessions" });
});
$<HTMLSelectElement>("mode").addEventListener("change", (e) => send({ type: "setMode", modeId: (e.target as HTMLSelectElement).value }));
$("config").addEventListener("change", (e) => {
  const select = e.target as HTMLSelectElement;
  if (select.dataset.config) send({ type: "setConfig", configId: select.dataset.config, value: select.value });
});

function findToolCall(el: HTMLElement): ToolCallFields | undefined {
  const permission = el.closest<HTMLElement>(".permission");
  if (permission) return state.permissions.find((p) => p.requestId === permission.dataset.request)?.request.toolCall;
  const id = el.closest<HTMLElement>(".tool")?.dataset.toolCallId;
  for (const e of state.entries) if (e.kind === "tool" && e.call.toolCallId === id) return e.call;
  return undefined;
}

document.addEventListener("change", (e) => {
  const target = e.target as HTMLElement;
  if (!(target instanceof HTMLInputElement) || !target.dataset.hunk) return;
  const box = target.closest<HTMLElement>(".permission");
  const requestId = box?.dataset.request;
  if (!box || !requestId) return;
  const set = unticked.get(requestId) ?? new Set<string>();
  if (target.checked) set.delete(target.dataset.hunk); else set.add(target.dataset.hunk);
  unticked.set(requestId, set);
  syncAllowButtons(box);
});

document.addEventListener("click", (e) => {
  const target = e.target as HTMLElement;
  if (target.matches("button.copy")) {
    const code = target.parentElement?.querySelector("code")?.textContent ?? "";
    send({ type: "copy", text: code });
    target.textContent = "Copied";
    setTimeout(() => { target.textContent = "Copy"; }, 1200);
  } else if (target.matches("button.open-diff")) {
    const call = findToolCall(target);
    const c = call?.content?.[Number(target.dataset.index)];
    if (c && c.type === "diff") send({ type: "openDiff", path: c.path, oldText: c.oldText ?? "", newText: c.newText });
  } else if (target.matches("a.location")) {
    e.preventDefault();
    const line = Number(target.dataset.line);
    send({ type: "openFile", path: target.dataset.path ?? "", ...(line ? { line } : {}) });
  } else if (target.dataset.option) {
    const box = target.closest<HTMLElement>(".permission");
    const requestId = box?.dataset.request;
    if (!requestId) return;
    const note = box.querySelector<HTMLInputElement>("input.note")?.value.trim();
    const boxes = Array.from(box.querySelectorAll<HTMLInputElement>("input[data-hunk]"));
    const ticked = boxes.filter((b) => b.checked).map((b) => b.dataset.hunk ?? "");
    const partial = target.dataset.kind?.startsWith("allow") && ticked.length < boxes.length;
    send({ type: "permission", requestId, optionId: target.dataset.option, ...(note ? { feedback: note } : {}),
           ...(partial ? { acceptedHunks: ticked } : {}) });
    box.classList.add("answered");
  } else if (target.dataset.remove) {
    attachments.splice(Number(target.dataset.remove), 1);
    schedule();
  } else if (target.closest("button.session")) {
    const id = target.closest<HTMLElement>("button.session")!.dataset.session;
    if (id) send({ type: "loadSession", sessionId: id });
  }
});

export type { RequestPermissionRequest };
rerenderAll();
send(state.sessionId ? { type: "ready", sessionId: state.sessionId } : { type: "ready" });
