// Owns the chat's session: creates/loads sessions, sends prompts, routes updates and permission prompts to the view,
// and reattaches open sessions with session/load after the server restarts.
import * as vscode from "vscode";
import type {
  ContentBlock, PermissionAnswerExtras, RequestPermissionRequest, RequestPermissionResponse, SessionConfigOption,
  SessionModeState, SessionNotification,
} from "../protocol/types.gen";
import type { TandemClient } from "../client";
import type { Attachment, HostMessage } from "../shared/messages";

export interface ChatView {
  post(message: HostMessage): void;
  reveal(): void;
}

interface PendingPermission {
  request: RequestPermissionRequest;
  resolve(answer: RequestPermissionResponse): void;
}

export class SessionController implements vscode.Disposable {
  sessionId: string | undefined;
  modes: SessionModeState | null = null;
  configOptions: SessionConfigOption[] | null = null;
  running = false;
  private view: ChatView | undefined;
  private readonly permissions = new Map<string, PendingPermission>();
  private nextPermission = 1;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when the session, its mode or the turn state changes (the status bar listens). */
  readonly onDidChange = this.changed.event;

  constructor(private readonly client: TandemClient, private readonly log: vscode.LogOutputChannel) {}

  attachView(view: ChatView | undefined): void {
    this.view = view;
  }

  get cwd(): string {
    return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? process.env.HOME ?? "/";
  }

  get currentMode(): string | undefined {
    return this.modes?.currentModeId;
  }

  /** The view (re)loaded: tell it where things stand. After a window reload the view remembers its session and we
   *  do not: load it again (the replay rebuilds the transcript). */
  viewReady(restoredSessionId?: string): void {
    if (!this.sessionId && restoredSessionId) {
      this.loadSession(restoredSessionId).catch((e: unknown) => {
        this.log.warn(`could not reopen session ${restoredSessionId}: ${String(e)}`);
        this.sessionId = undefined;
      });
      return;
    }
    if (this.sessionId) {
      this.view?.post({ type: "session", sessionId: this.sessionId, modes: this.modes,
                        configOptions: this.configOptions, reset: false });
    }
    this.view?.post({ type: "turn", running: this.running });
    this.view?.post({ type: "server", state: this.client.state });
    for (const [requestId, p] of this.permissions) this.view?.post({ type: "permission", requestId, request: p.request });
  }

  async newSession(): Promise<string> {
    if (this.running && this.sessionId) await this.cancel();
    const result = await this.client.request("session/new", { cwd: this.cwd, mcpServers: [] });
    this.sessionId = result.sessionId;
    this.modes = result.modes ?? null;
    this.configOptions = result.configOptions ?? null;
    this.view?.post({ type: "session", sessionId: result.sessionId, modes: this.modes,
                      configOptions: this.configOptions, reset: true });
    this.changed.fire();
    return result.sessionId;
  }

  async loadSession(sessionId: string): Promise<void> {
    if (this.running && this.sessionId) await this.cancel();
    this.sessionId = sessionId;
    this.view?.post({ type: "session", sessionId, modes: null, configOptions: null, reset: true });
    const result = await this.client.request("session/load", { sessionId, cwd: this.cwd, mcpServers: [] });
    this.modes = result.modes ?? null;
    this.configOptions = result.configOptions ?? null;
    this.view?.post({ type: "session", sessionId, modes: this.modes, configOptions: this.configOptions, reset: false });
    this.changed.fire();
  }

  async listSessions(): Promise<void> {
    const result = await this.client.request("session/list", { cwd: this.cwd });
    this.view?.post({ type: "sessions", sessions: result.sessions });
  }

  async prompt(text: string, attachments: Attachment[]): Promise<void> {
    if (this.running) throw new Error("A turn is already running; stop it first.");
    if (this.reattaching) await this.reattaching;
    const sessionId = this.sessionId ?? await this.newSession();
    const prompt: ContentBlock[] = [];
    if (text.trim()) prompt.push({ type: "text", text });
    for (const a of attachments) prompt.push(a.block);
    if (prompt.length === 0) return;
    this.view?.post({ type: "userPrompt", text, attachments });
    this.setRunning(true);
    try {
      const result = await this.client.request("session/prompt", { sessionId, prompt });
      this.view?.post({ type: "turn", running: false, stopReason: result.stopReason });
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      this.log.error(`session/prompt: ${error}`);
      this.view?.post({ type: "turn", running: false, stopReason: "error", error });
    } finally {
      this.setRunning(false);
    }
  }

  async cancel(): Promise<void> {
    if (!this.sessionId) return;
    for (const [id, p] of this.permissions) this.resolvePermission(id, { outcome: { outcome: "cancelled" } }, p);
    await this.client.notify("session/cancel", { sessionId: this.sessionId });
  }

  async setMode(modeId: string): Promise<void> {
    if (this.reattaching) await this.reattaching;
    if (!this.sessionId) await this.newSession();
    await this.client.request("session/set_mode", { sessionId: this.sessionId!, modeId });
  }

  async setConfig(configId: string, value: string): Promise<void> {
    if (this.reattaching) await this.reattaching;
    if (!this.sessionId) await this.newSession();
    const result = await this.client.request("session/set_config_option",
                                             { sessionId: this.sessionId!, configId, value });
    this.configOptions = result.configOptions;
    this.view?.post({ type: "update", sessionId: this.sessionId!, t: Date.now(),
                      update: { sessionUpdate: "config_option_update", configOptions: result.configOptions } });
  }

  // ---- from the server -----------------------------------------------------------------------------------------

  onUpdate(params: SessionNotification): void {
    const t = Date.now();
    if (params.sessionId !== this.sessionId) return;
    const u = params.update;
    if (u.sessionUpdate === "current_mode_update" && this.modes) {
      this.modes = { ...this.modes, currentModeId: u.currentModeId };
      this.changed.fire();
    } else if (u.sessionUpdate === "config_option_update") {
      this.configOptions = u.configOptions;
    }
    this.view?.post({ type: "update", sessionId: params.sessionId, update: u, t });
  }

  onPermission(request: RequestPermissionRequest, token: vscode.CancellationToken): Promise<RequestPermissionResponse> {
    const requestId = `p${this.nextPermission++}`;
    return new Promise((resolve) => {
      const pending: PendingPermission = { request, resolve };
      this.permissions.set(requestId, pending);
      token.onCancellationRequested(() => this.resolvePermission(requestId, { outcome: { outcome: "cancelled" } }, pending));
      this.view?.reveal();
      this.view?.post({ type: "permission", requestId, request });
      this.changed.fire();
    });
  }

  /** The user chose an option in the card; `acceptedHunks` (a partial accept) only goes with an allow option. */
  answerPermission(requestId: string, optionId: string, feedback?: string, acceptedHunks?: string[]): void {
    const pending = this.permissions.get(requestId);
    if (!pending) return;
    const option = pending.request.options.find((o) => o.optionId === optionId);
    if (!option) return;
    const extras: PermissionAnswerExtras = {};
    if (feedback) extras.feedback = feedback;
    if (acceptedHunks && option.kind.startsWith("allow")) extras.acceptedHunks = acceptedHunks;
    const answer: RequestPermissionResponse = { outcome: { outcome: "selected", optionId } };
    if (Object.keys(extras).length) answer._meta = { tandem: extras };
    this.resolvePermission(requestId, answer, pending);
  }

  get pendingPermissions(): number {
    return this.permissions.size;
  }

  private resolvePermission(requestId: string, answer: RequestPermissionResponse, pending: PendingPermission): void {
    if (!this.permissions.delete(requestId)) return;
    pending.resolve(answer);
    this.view?.post({ type: "permissionResolved", requestId });
    this.changed.fire();
  }

  /** After a server restart: the old process's sessions are gone from memory, so load the current one again.
   *  Prompts and settings sent meanwhile wait for it. */
  reattach(): Promise<void> {
    this.reattaching = this.doReattach().finally(() => { this.reattaching = undefined; });
    return this.reattaching;
  }

  private reattaching: Promise<void> | undefined;

  private async doReattach(): Promise<void> {
    for (const [id, p] of this.permissions) this.resolvePermission(id, { outcome: { outcome: "cancelled" } }, p);
    if (!this.sessionId) return;
    try {
      await this.loadSession(this.sessionId);
      this.log.info(`reattached session ${this.sessionId}`);
    } catch (e) {
      this.log.error(`could not reattach session ${this.sessionId}: ${String(e)}`);
    }
  }

  private setRunning(running: boolean): void {
    this.running = running;
    if (running) this.view?.post({ type: "turn", running });
    this.changed.fire();
  }

  dispose(): void {
    this.changed.dispose();
  }
}
