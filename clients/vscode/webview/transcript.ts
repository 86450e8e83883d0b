// The chat transcript as data: folds session/update notifications into entries (pure; no DOM), so it can be
// unit-tested, saved in the webview state and restored after a reload.
import type {
  ContentBlock, PlanEntry, RequestPermissionRequest, SessionConfigOption, SessionModeState, SessionUpdate, ToolCallFields,
} from "../src/protocol/types.gen";

export type Entry =
  | { kind: "user"; text: string; attachments: string[] }
  | { kind: "agent"; text: string; messageId: string | null }
  | { kind: "thought"; text: string; messageId: string | null }
  | { kind: "tool"; call: ToolCallFields }
  | { kind: "plan"; entries: PlanEntry[] }
  | { kind: "notice"; text: string; level: "info" | "error" };

export interface Usage {
  used: number;
  size: number;
  cost: { amount: number; currency: string } | null;
}

export interface ChatState {
  version: 1;
  sessionId: string | null;
  title: string | null;
  entries: Entry[];
  modes: SessionModeState | null;
  configOptions: SessionConfigOption[] | null;
  usage: Usage | null;
  running: boolean;
  permissions: { requestId: string; request: RequestPermissionRequest }[];
  draft: string;
}

export function emptyState(): ChatState {
  return { version: 1, sessionId: null, title: null, entries: [], modes: null, configOptions: null, usage: null,
           running: false, permissions: [], draft: "" };
}

/** What changed: entry indexes to re-render, and whether the header (modes, config, usage, title) changed. */
export interface Change {
  entries: number[];
  header: boolean;
}

const NONE: Change = { entries: [], header: false };

function textOf(block: ContentBlock): string {
  if (block.type === "text") return block.text;
  if (block.type === "resource_link") return `@${block.name || block.uri}`;
  if (block.type === "resource") return `\n\`\`\`\n${block.resource.text}\n\`\`\`\n`;
  return "";
}

function appendChunk(state: ChatState, kind: "agent" | "thought" | "user", text: string,
                     messageId: string | null): Change {
  const last = state.entries[state.entries.length - 1];
  const lastIndex = state.entries.length - 1;
  if (last && last.kind === kind) {
    if (kind === "user" && last.kind === "user") { last.text += text; return { entries: [lastIndex], header: false }; }
    if ((last.kind === "agent" || last.kind === "thought") && (messageId === null || last.messageId === messageId
        || last.messageId === null)) {
      last.text += text;
      if (messageId !== null) last.messageId = messageId;
      return { entries: [lastIndex], header: false };
    }
  }
  if (kind === "user") state.entries.push({ kind, text, attachments: [] });
  else state.entries.push({ kind, text, messageId });
  return { entries: [state.entries.length - 1], header: false };
}

/** Applies one session/update to the state (mutating it, for speed) and says what to re-render. */
export function applyUpdate(state: ChatState, u: SessionUpdate): Change {
  switch (u.sessionUpdate) {
    case "agent_message_chunk": return appendChunk(state, "agent", textOf(u.content), u.messageId ?? null);
    case "agent_thought_chunk": return appendChunk(state, "thought", textOf(u.content), u.messageId ?? null);
    case "user_message_chunk": return appendChunk(state, "user", textOf(u.content), u.messageId ?? null);
    case "tool_call":
    case "tool_call_update": {
      const { sessionUpdate: _kind, ...fields } = u;
      const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined && v !== null));
      for (let i = state.entries.length - 1; i >= 0; i--) {
        const e = state.entries[i]!;
        if (e.kind === "tool" && e.call.toolCallId === u.toolCallId) {
          e.call = { ...e.call, ...defined };
          return { entries: [i], header: false };
        }
      }
      state.entries.push({ kind: "tool", call: defined as unknown as ToolCallFields });
      return { entries: [state.entries.length - 1], header: false };
    }
    case "plan": {
      const last = state.entries[state.entries.length - 1];
      if (last && last.kind === "plan") { last.entries = u.entries; return { entries: [state.entries.length - 1], header: false }; }
      state.entries.push({ kind: "plan", entries: u.entries });
      return { entries: [state.entries.length - 1], header: false };
    }
    case "current_mode_update":
      if (state.modes) state.modes = { ...state.modes, currentModeId: u.currentModeId };
      else state.modes = { currentModeId: u.currentModeId, availableModes: [] };
      return { entries: [], header: true };
    case "config_option_update":
      state.configOptions = u.configOptions;
      return { entries: [], header: true };
    case "session_info_update":
      if (u.title) state.title = u.title;
      return { entries: [], header: true };
    case "usage_update":
      state.usage = { used: u.used, size: u.size, cost: u.cost ?? null };
      return { entries: [], header: true };
    case "available_commands_update":
      return NONE;
    default:  // an update this client does not render (a newer server's)
      return NONE;
  }
}

/** A tool_call_update for a call that waits in a permission card (its diff was rebased, or some hunks were decided
 *  in the editor): the card shows the fresh fields. Returns whether a card changed. */
export function followPermissions(state: ChatState, u: SessionUpdate): boolean {
  if (u.sessionUpdate !== "tool_call_update") return false;
  let changed = false;
  for (const p of state.permissions) {
    if (p.request.toolCall.toolCallId !== u.toolCallId) continue;
    const { sessionUpdate: _kind, ...fields } = u;
    const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined && v !== null));
    p.request = { ...p.request, toolCall: { ...p.request.toolCall, ...defined } };
    changed = true;
  }
  return changed;
}

export function addUserPrompt(state: ChatState, text: string, attachments: string[]): Change {
  state.entries.push({ kind: "user", text, attachments });
  return { entries: [state.entries.length - 1], header: false };
}

export function addNotice(state: ChatState, text: string, level: "info" | "error"): Change {
  state.entries.push({ kind: "notice", text, level });
  return { entries: [state.entries.length - 1], header: false };
}

/** Cost as the user reads it: $0.0123 below a cent precision, else two decimals. */
export function formatCost(cost: { amount: number; currency: string } | null): string {
  if (!cost) return "";
  const symbol = cost.currency === "USD" ? "$" : `${cost.currency} `;
  return `${symbol}${cost.amount < 1 ? cost.amount.toFixed(4) : cost.amount.toFixed(2)}`;
}

export function formatTokens(n: number): string {
  return n >= 1000 ? `${(n / 1000).toFixed(n >= 10000 ? 0 : 1)}k` : String(n);
}

/** A restored state, if it looks like ours; anything else starts fresh. */
export function restoreState(saved: unknown): ChatState {
  if (typeof saved !== "object" || saved === null) return emptyState();
  const s = saved as Partial<ChatState>;
  if (s.version !== 1 || !Array.isArray(s.entries)) return emptyState();
  return { ...emptyState(), ...s, running: false, permissions: [] };
}
