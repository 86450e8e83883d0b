// The typed message bridge between the extension host and the chat webview, with validators for what comes in.
// Wire payloads (updates, permission requests, sessions) are the generated protocol types, never copies.
import type {
  ContentBlock, RequestPermissionRequest, SessionConfigOption, SessionInfo, SessionModeState, SessionUpdate, StopReason,
} from "../protocol/types.gen";

export type ServerState = "starting" | "ready" | "restarting" | "stopped" | "error";

/** Extension host -> webview. `t` is the host's Date.now() when the server's message arrived (latency metrics). */
export type HostMessage =
  | { type: "update"; sessionId: string; update: SessionUpdate; t: number }
  | { type: "batch"; messages: HostMessage[] }
  | { type: "session"; sessionId: string; modes: SessionModeState | null; configOptions: SessionConfigOption[] | null;
      reset: boolean }
  | { type: "permission"; requestId: string; request: RequestPermissionRequest }
  | { type: "permissionResolved"; requestId: string }
  | { type: "turn"; running: boolean; stopReason?: StopReason | "error"; error?: string }
  | { type: "userPrompt"; text: string; attachments: Attachment[] }
  | { type: "sessions"; sessions: SessionInfo[] }
  | { type: "server"; state: ServerState; message?: string }
  | { type: "attach"; attachment: Attachment };

/** Context the user attached to the next prompt: a mentioned file or a selection. */
export interface Attachment {
  label: string;
  block: ContentBlock;
}

/** Webview -> extension host. */
export type WebviewMessage =
  | { type: "ready"; sessionId?: string }
  | { type: "prompt"; text: string; attachments: Attachment[] }
  | { type: "cancel" }
  | { type: "permission"; requestId: string; optionId: string; feedback?: string; acceptedHunks?: string[] }
  | { type: "setMode"; modeId: string }
  | { type: "setConfig"; configId: string; value: string }
  | { type: "newSession" }
  | { type: "listSessions" }
  | { type: "loadSession"; sessionId: string }
  | { type: "mention" }
  | { type: "openFile"; path: string; line?: number }
  | { type: "openDiff"; path: string; oldText: string; newText: string }
  | { type: "copy"; text: string };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (o: Obj, k: string): boolean => typeof o[k] === "string";
const optStr = (o: Obj, k: string): boolean => o[k] === undefined || typeof o[k] === "string";
const MAX_TEXT = 1_000_000;

function isAttachment(v: unknown): v is Attachment {
  if (!isObj(v) || !str(v, "label") || !isObj(v.block)) return false;
  const b = v.block;
  if (b.type === "resource_link") return str(b, "uri") && str(b, "name");
  if (b.type === "resource") return isObj(b.resource) && str(b.resource, "uri") && str(b.resource, "text");
  if (b.type === "text") return str(b, "text");
  return false;
}

/** The message if it is a well-formed WebviewMessage, else undefined (the webview is untrusted input). */
export function parseWebviewMessage(v: unknown): WebviewMessage | undefined {
  if (!isObj(v) || typeof v.type !== "string") return undefined;
  switch (v.type) {
    case "ready":
      if (!optStr(v, "sessionId")) return undefined;
      return typeof v.sessionId === "string" ? { type: "ready", sessionId: v.sessionId } : { type: "ready" };
    case "cancel": case "newSession": case "listSessions": case "mention":
      return { type: v.type };
    case "prompt":
      if (!str(v, "text") || (v.text as string).length > MAX_TEXT || !Array.isArray(v.attachments)
          || !v.attachments.every(isAttachment)) return undefined;
      return { type: "prompt", text: v.text as string, attachments: v.attachments as Attachment[] };
    case "permission": {
      if (!str(v, "requestId") || !str(v, "optionId") || !optStr(v, "feedback")) return undefined;
      const ids = v.acceptedHunks;
      if (ids !== undefined && !(Array.isArray(ids) && ids.length <= 10_000 && ids.every((i) => typeof i === "string"))) {
        return undefined;
      }
      return { type: "permission", requestId: v.requestId as string, optionId: v.optionId as string,
               ...(typeof v.feedback === "string" && v.feedback ? { feedback: v.feedback } : {}),
               ...(Array.isArray(ids) ? { acceptedHunks: ids as string[] } : {}) };
    }
    case "setMode":
      return str(v, "modeId") ? { type: "setMode", modeId: v.modeId as string } : undefined;
    case "setConfig":
      return str(v, "configId") && str(v, "value")
        ? { type: "setConfig", configId: v.configId as string, value: v.value as string } : undefined;
    case "loadSession":
      return str(v, "sessionId") ? { type: "loadSession", sessionId: v.sessionId as string } : undefined;
    case "openFile":
      if (!str(v, "path") || !(v.line === undefined || typeof v.line === "number")) return undefined;
      return { type: "openFile", path: v.path as string, ...(typeof v.line === "number" ? { line: v.line } : {}) };
    case "openDiff":
      return str(v, "path") && str(v, "oldText") && str(v, "newText")
        ? { type: "openDiff", path: v.path as string, oldText: v.oldText as string, newText: v.newText as string }
        : undefined;
    case "copy":
      return str(v, "text") ? { type: "copy", text: v.text as string } : undefined;
    default:
      return undefined;
  }
}

/** Host messages are trusted (we send them) but the webview still checks the envelope before using it. */
export function isHostMessage(v: unknown): v is HostMessage {
  return isObj(v) && typeof v.type === "string";
}
