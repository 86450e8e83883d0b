// The chat webview view: strict CSP with a nonce, only local resources, and a validated message bridge.
import * as crypto from "node:crypto";
import * as vscode from "vscode";
import { parseWebviewMessage, type HostMessage, type WebviewMessage } from "../shared/messages";
import type { ChatView, SessionController } from "./SessionController";

export interface ChatActions {
  mention(): Promise<void>;
  openFile(path: string, line?: number): Promise<void>;
  openDiff(path: string, oldText: string, newText: string): Promise<void>;
}

export class ChatViewProvider implements vscode.WebviewViewProvider, ChatView, vscode.Disposable {
  static readonly viewId = "tandem.chat";
  private view: vscode.WebviewView | undefined;
  private readonly queue: HostMessage[] = [];
  private ready = false;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly extensionUri: vscode.Uri, private readonly sessions: SessionController,
              private readonly actions: ChatActions, private readonly log: vscode.LogOutputChannel) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.ready = false;
    const dist = vscode.Uri.joinPath(this.extensionUri, "dist");
    view.webview.options = { enableScripts: true, localResourceRoots: [dist] };
    view.webview.html = this.html(view.webview, dist);
    this.disposables.push(
      view.webview.onDidReceiveMessage((raw: unknown) => {
        const message = parseWebviewMessage(raw);
        if (!message) {
          this.log.warn(`ignored a malformed message from the chat view: ${JSON.stringify(raw)?.slice(0, 200)}`);
          return;
        }
        this.handle(message).catch((e: unknown) => {
          const text = e instanceof Error ? e.message : String(e);
          this.log.error(`${message.type}: ${text}`);
          void vscode.window.showErrorMessage(`Tandem: ${text}`);
        });
      }),
      // Hidden views lose their content (no retainContextWhenHidden): queue until the reloaded view says ready.
      view.onDidChangeVisibility(() => { if (!view.visible) this.ready = false; }),
      view.onDidDispose(() => {
        this.view = undefined;
        this.ready = false;
        this.sessions.attachView(undefined);
      }),
    );
    this.sessions.attachView(this);
  }

  post(message: HostMessage): void {
    if (!this.view || !this.ready) {
      if (message.type !== "update" || this.queue.length < 50_000) this.queue.push(message);
      return;
    }
    void this.view.webview.postMessage(message);
  }

  /** Shows the view without taking focus from the editor the user is typing in. */
  reveal(): void {
    if (this.view) this.view.show(true);
    else void vscode.commands.executeCommand(`${ChatViewProvider.viewId}.focus`, { preserveFocus: true });
  }

  async focusInput(): Promise<void> {
    await vscode.commands.executeCommand(`${ChatViewProvider.viewId}.focus`);
  }

  private async handle(m: WebviewMessage): Promise<void> {
    switch (m.type) {
      case "ready": {
        this.ready = true;
        this.sessions.viewReady(m.sessionId);
        const queued = this.queue.splice(0);
        if (queued.length) void this.view?.webview.postMessage({ type: "batch", messages: queued } satisfies HostMessage);
        return;
      }
      case "prompt": return this.sessions.prompt(m.text, m.attachments);
      case "cancel": return this.sessions.cancel();
      case "permission": return this.sessions.answerPermission(m.requestId, m.optionId, m.feedback, m.acceptedHunks);
      case "setMode": return this.sessions.setMode(m.modeId);
      case "setConfig": return this.sessions.setConfig(m.configId, m.value);
      case "newSession": await this.sessions.newSession(); return;
      case "listSessions": return this.sessions.listSessions();
      case "loadSession": return this.sessions.loadSession(m.sessionId);
      case "mention": return this.actions.mention();
      case "openFile": return this.actions.openFile(m.path, m.line);
      case "openDiff": return this.actions.openDiff(m.path, m.oldText, m.newText);
      case "copy": await vscode.env.clipboard.writeText(m.text); return;
    }
  }

  private html(webview: vscode.Webview, dist: vscode.Uri): string {
    const nonce = crypto.randomBytes(16).toString("base64");
    const script = webview.asWebviewUri(vscode.Uri.joinPath(dist, "webview.js"));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(dist, "webview.css"));
    const csp = [
      "default-src 'none'",
      `style-src ${webview.cspSource}`,
      `script-src 'nonce-${nonce}'`,
      `img-src ${webview.cspSource} data:`,
      `font-src ${webview.cspSource}`,
    ].join("; ");
    return `<!DOCTYPE html>
<html lang="en"><head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style.toString()}">
<title>Tandem</title>
</head><body>
<div id="app"></div>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body></html>`;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
