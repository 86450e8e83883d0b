// Activation: build the objects, wire them together, register disposables. Nothing else lives here.
import * as vscode from "vscode";
import { ApiKeyStore } from "./apiKey";
import { ChatViewProvider } from "./chat/ChatViewProvider";
import { SessionController } from "./chat/SessionController";
import { TandemClient } from "./client";
import { pickFileMention, registerCommands } from "./commands";
import { DIFF_SCHEME, DiffDocuments } from "./edits/diffDocuments";
import { PendingHunks } from "./edits/PendingHunks";
import { ReviewCommands } from "./review/ReviewCommands";
import { StatusItem } from "./status";

let client: TandemClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = vscode.window.createOutputChannel("Tandem", { log: true });
  const keys = new ApiKeyStore(context.secrets);
  const diffs = new DiffDocuments();
  let sessions: SessionController | undefined;
  let hunks: PendingHunks | undefined;
  client = new TandemClient(log, keys, {
    onUpdate: (p) => sessions?.onUpdate(p),
    onPermission: (p, token) => sessions!.onPermission(p, token),
    onCustomNotification: (_method, p) => hunks?.onNotification(p),
    onRestarted: () => { hunks?.clear(); void sessions?.reattach(); },
  });
  sessions = new SessionController(client, log);
  hunks = new PendingHunks(client, diffs, log);
  const view = new ChatViewProvider(context.extensionUri, sessions, {
    mention: async () => {
      const a = await pickFileMention();
      if (a) view.post({ type: "attach", attachment: a });
    },
    openFile: async (path, line) => {
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(path));
      const pos = new vscode.Position(Math.max(0, (line ?? 1) - 1), 0);
      await vscode.window.showTextDocument(doc, { selection: new vscode.Range(pos, pos), preview: true });
    },
    openDiff: (path, oldText, newText) => diffs.open(path, oldText, newText),
  }, log);
  context.subscriptions.push(
    log, diffs, client, sessions, hunks, view,
    new StatusItem(client, sessions, hunks),
    vscode.workspace.registerTextDocumentContentProvider(DIFF_SCHEME, diffs),
    vscode.window.registerWebviewViewProvider(ChatViewProvider.viewId, view,
                                              { webviewOptions: { retainContextWhenHidden: false } }),
    ...registerCommands({ client, sessions, view, hunks, diffs, keys, log,
                          review: new ReviewCommands(client, sessions, diffs) }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration("tandem.serverCommand") || e.affectsConfiguration("tandem.serverEnv")
          || e.affectsConfiguration("tandem.model")) {
        void client?.restart().then(() => sessions?.reattach());
      }
    }),
  );
  await client.start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
