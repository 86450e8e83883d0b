// The LanguageClient lifecycle: start `tandem serve`, restart on crash, typed request/notify helpers.
import * as vscode from "vscode";
import {
  CloseAction, ErrorAction, LanguageClient, State, type LanguageClientOptions, type ServerOptions,
} from "vscode-languageclient/node";
import type {
  InitializeResponse, NotificationParams, RequestParams, RequestPermissionRequest, RequestPermissionResponse,
  RequestResults, SessionNotification,
} from "./protocol/types.gen";
import { saveAgentEditsMiddleware } from "./edits/saveAgentEdits";
import { resolveServerCommand, ServerNotFound } from "./serverCommand";
import type { ServerState } from "./shared/messages";
import type { ApiKeyStore } from "./apiKey";

type AgentRequest = Exclude<keyof RequestParams, "session/request_permission" | "fs/read_text_file" | "fs/write_text_file">;

export interface ClientEvents {
  onUpdate(params: SessionNotification): void;
  onPermission(params: RequestPermissionRequest, token: vscode.CancellationToken): Promise<RequestPermissionResponse>;
  onCustomNotification(method: string, params: unknown): void;
  /** The server came back after a crash or restart: reattach sessions. */
  onRestarted(): void;
}

/** Custom notifications the client listens for (the pending-hunks contract). */
export const HUNKS_NOTIFICATION = "_tandem/hunks";

export class TandemClient implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private readonly stateEmitter = new vscode.EventEmitter<{ state: ServerState; message?: string }>();
  readonly onDidChangeState = this.stateEmitter.event;
  private everRunning = false;
  private disposed = false;
  state: ServerState = "stopped";
  acp: InitializeResponse | undefined;

  constructor(private readonly log: vscode.LogOutputChannel, private readonly keys: ApiKeyStore,
              private readonly events: ClientEvents) {}

  private starting: Promise<void> | undefined;

  /** Starts the server (once; concurrent callers share the attempt). */
  start(): Promise<void> {
    this.starting ??= this.doStart().finally(() => { this.starting = undefined; });
    return this.starting;
  }

  private async doStart(): Promise<void> {
    if (this.client) return;
    this.setState("starting");
    const config = vscode.workspace.getConfiguration("tandem");
    let command;
    try {
      command = resolveServerCommand(config.get<string[]>("serverCommand"), process.env.PATH);
    } catch (e) {
      const message = e instanceof ServerNotFound ? e.message : String(e);
      this.setState("error", message);
      void vscode.window.showErrorMessage(message, "Open Settings").then((pick) => {
        if (pick) void vscode.commands.executeCommand("workbench.action.openSettings", "tandem.serverCommand");
      });
      return;
    }
    const env: Record<string, string> = { ...(process.env as Record<string, string>),
      ...config.get<Record<string, string>>("serverEnv", {}) };
    const key = await this.keys.get();
    if (key) env.ANTHROPIC_API_KEY = key;
    const model = config.get<string>("model", "");
    if (model) env.TANDEM_MODEL = model;
    const serverOptions: ServerOptions = { command: command.command, args: command.args, options: { env } };
    this.log.info(`starting ${command.command} ${command.args.join(" ")}`);
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: "file" }, { scheme: "untitled" }],
      outputChannel: this.log,
      // accepted hunks, allowed edits, reverts of open files: saved when their buffer was clean (tandem.saveAgentEdits)
      middleware: { workspace: { handleApplyEdit: saveAgentEditsMiddleware(this.log) } },
      initializationOptions: {
        acp: { protocolVersion: 1, clientCapabilities: { fs: { readTextFile: false, writeTextFile: false } },
               clientInfo: { name: "tandem-vscode", version: "0.1.0" } },
      },
      errorHandler: {
        error: () => ({ action: ErrorAction.Continue }),
        closed: () => {
          if (this.disposed) return { action: CloseAction.DoNotRestart };
          this.setState("restarting", "The Tandem server stopped; restarting.");
          return { action: CloseAction.Restart };
        },
      },
    };
    const client = new LanguageClient("tandem", "Tandem", serverOptions, clientOptions);
    this.client = client;
    client.onDidChangeState((e) => {
      if (e.newState === State.Running) {
        this.readAcp(client);
        this.setState("ready");
        if (this.everRunning) this.events.onRestarted();
        this.everRunning = true;
      } else if (e.newState === State.Stopped && !this.disposed && this.state !== "restarting") {
        this.setState("stopped");
      }
    });
    client.onNotification("session/update", (p: SessionNotification) => this.events.onUpdate(p));
    client.onNotification(HUNKS_NOTIFICATION, (p: unknown) => this.events.onCustomNotification(HUNKS_NOTIFICATION, p));
    client.onRequest("session/request_permission",
      (p: RequestPermissionRequest, token: vscode.CancellationToken) => this.events.onPermission(p, token));
    try {
      await client.start();
    } catch (e) {
      const message = `The Tandem server failed to start: ${e instanceof Error ? e.message : String(e)}. ` +
        "See Tandem: Show Log; check `tandem.serverCommand`.";
      this.setState("error", message);
      void vscode.window.showErrorMessage(message);
    }
  }

  private readAcp(client: LanguageClient): void {
    const experimental = client.initializeResult?.capabilities.experimental as { acp?: InitializeResponse } | undefined;
    this.acp = experimental?.acp;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.everRunning = false;
    if (client) {
      try { await client.stop(5000); } catch (e) { this.log.warn(`stop: ${String(e)}`); }
    }
    this.setState("stopped");
  }

  get running(): boolean {
    return this.client?.state === State.Running;
  }

  async request<M extends AgentRequest>(method: M, params: RequestParams[M],
                                        token?: vscode.CancellationToken): Promise<RequestResults[M]> {
    if (this.starting) await this.starting;
    const client = this.client;
    if (!client) throw new Error("The Tandem server is not running (Tandem: Show Log).");
    if (client.state === State.Starting) await client.start();
    return token ? client.sendRequest(method, params, token) : client.sendRequest(method, params);
  }

  async notify<M extends keyof NotificationParams>(method: M, params: NotificationParams[M]): Promise<void> {
    await this.client?.sendNotification(method, params);
  }

  /** Plain LSP workspace/executeCommand (the hunk commands). */
  async executeCommand(command: string, args: unknown[]): Promise<unknown> {
    if (!this.client) throw new Error("The Tandem server is not running.");
    return this.client.sendRequest("workspace/executeCommand", { command, arguments: args });
  }

  private setState(state: ServerState, message?: string): void {
    this.state = state;
    this.stateEmitter.fire(message === undefined ? { state } : { state, message });
  }

  dispose(): void {
    this.disposed = true;
    void this.stop();
    this.stateEmitter.dispose();
  }
}
