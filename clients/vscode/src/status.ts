// The status bar item: server/agent state and the session's mode. The e2e test waits for it as the activation signal.
import * as vscode from "vscode";
import type { TandemClient } from "./client";
import type { SessionController } from "./chat/SessionController";
import type { PendingHunks } from "./edits/PendingHunks";

export class StatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem("tandem.status", vscode.StatusBarAlignment.Left, 100);
  private readonly disposables: vscode.Disposable[] = [];
  private serverMessage: string | undefined;

  constructor(private readonly client: TandemClient, private readonly sessions: SessionController,
              private readonly hunks: PendingHunks) {
    this.item.name = "Tandem";
    this.item.command = "tandem.switchMode";
    this.disposables.push(
      client.onDidChangeState((e) => { this.serverMessage = e.message; this.update(); }),
      sessions.onDidChange(() => this.update()),
      hunks.onDidChange(() => this.update()),
    );
    this.update();
    this.item.show();
  }

  private update(): void {
    const state = this.client.state;
    let agent: string;
    let icon: string;
    if (state === "error") { agent = "error"; icon = "$(error)"; }
    else if (state === "starting" || state === "restarting") { agent = state; icon = "$(sync~spin)"; }
    else if (state === "stopped") { agent = "stopped"; icon = "$(circle-slash)"; }
    else if (this.sessions.pendingPermissions > 0) { agent = "waiting for you"; icon = "$(bell-dot)"; }
    else if (this.sessions.running) { agent = "working"; icon = "$(loading~spin)"; }
    else { agent = "ready"; icon = "$(check)"; }
    const mode = this.sessions.currentMode ?? "default";
    const pending = this.hunks.count;
    this.item.text = `${icon} Tandem: ${agent} · ${mode}${pending ? ` · ${pending} pending` : ""}`;
    this.item.tooltip = this.serverMessage ?? `Tandem is ${agent}; mode ${mode}. Click to switch mode.`;
    this.item.backgroundColor = state === "error" ? new vscode.ThemeColor("statusBarItem.errorBackground") : undefined;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.item.dispose();
  }
}
