// Palette and editor commands: sessions, selection/mention context, mode switching, hunk review, log, API key.
import * as path from "node:path";
import * as vscode from "vscode";
import type { TandemClient } from "./client";
import type { ApiKeyStore } from "./apiKey";
import type { ChatViewProvider } from "./chat/ChatViewProvider";
import type { SessionController } from "./chat/SessionController";
import type { DiffDocuments } from "./edits/diffDocuments";
import type { PendingHunks } from "./edits/PendingHunks";
import type { ReviewCommands } from "./review/ReviewCommands";
import type { Attachment } from "./shared/messages";

export interface CommandDeps {
  client: TandemClient;
  sessions: SessionController;
  view: ChatViewProvider;
  hunks: PendingHunks;
  review: ReviewCommands;
  diffs: DiffDocuments;
  keys: ApiKeyStore;
  log: vscode.LogOutputChannel;
}

/** The editor's selection as an embedded resource (file URI with #Lstart-Lend), or undefined when empty. */
export function selectionAttachment(editor: vscode.TextEditor | undefined): Attachment | undefined {
  if (!editor || editor.selection.isEmpty) return undefined;
  const s = editor.selection;
  const text = editor.document.getText(s);
  const uri = `${editor.document.uri.toString()}#L${s.start.line + 1}-L${s.end.line + 1}`;
  const name = path.basename(editor.document.uri.fsPath || editor.document.uri.path);
  return { label: `${name}:${s.start.line + 1}-${s.end.line + 1}`,
           block: { type: "resource", resource: { uri, text, mimeType: "text/plain" } } };
}

export async function pickFileMention(): Promise<Attachment | undefined> {
  const files = await vscode.workspace.findFiles("**/*", "**/{node_modules,.git,.venv,dist,out}/**", 5000);
  const items = files.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri }))
    .sort((a, b) => a.label.localeCompare(b.label));
  const pick = await vscode.window.showQuickPick(items, { placeHolder: "Mention a file (@)", matchOnDescription: true });
  if (!pick) return undefined;
  return { label: `@${pick.label}`, block: { type: "resource_link", uri: pick.uri.toString(), name: pick.label } };
}

const asUri = (v: unknown): vscode.Uri | undefined => (v instanceof vscode.Uri ? v : undefined);

export function registerCommands(d: CommandDeps): vscode.Disposable[] {
  const run = (name: string, fn: (...args: never[]) => unknown): vscode.Disposable =>
    vscode.commands.registerCommand(name, async (...args: never[]) => {
      try {
        return await fn(...args);
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        d.log.error(`${name}: ${message}`);
        void vscode.window.showErrorMessage(`Tandem: ${message}`);
        return undefined;
      }
    });
  const attach = (a: Attachment | undefined): void => {
    if (!a) return;
    d.view.reveal();
    d.view.post({ type: "attach", attachment: a });
  };
  return [
    run("tandem.newSession", async () => { d.view.reveal(); await d.sessions.newSession(); }),
    run("tandem.openSession", async () => {
      const result = await d.client.request("session/list", { cwd: d.sessions.cwd });
      const pick = await vscode.window.showQuickPick(result.sessions.map((s) => ({
        label: s.title || s.sessionId, description: s.updatedAt ?? "", sessionId: s.sessionId })),
        { placeHolder: "Open a Tandem session" });
      if (pick) { d.view.reveal(); await d.sessions.loadSession(pick.sessionId); }
    }),
    run("tandem.addSelectionToChat", () => attach(selectionAttachment(vscode.window.activeTextEditor))),
    run("tandem.askAboutSelection", async () => {
      const a = selectionAttachment(vscode.window.activeTextEditor);
      if (!a) { void vscode.window.showInformationMessage("Tandem: select some code first."); return; }
      const question = await vscode.window.showInputBox({ prompt: `Ask Tandem about ${a.label}` });
      if (!question) return;
      d.view.reveal();
      await d.sessions.prompt(question, [a]);
    }),
    run("tandem.mentionFile", async () => attach(await pickFileMention())),
    // from the editor title the file's URI comes first; from the palette or a keybinding, nothing (active editor)
    run("tandem.acceptAll", (uri?: unknown) => d.hunks.resolveAll(true, asUri(uri))),
    run("tandem.rejectAll", (uri?: unknown) => d.hunks.resolveAll(false, asUri(uri))),
    run("tandem.openDiff", (uri?: unknown) => d.hunks.openDiff(asUri(uri))),
    run("tandem.reviewChanges", () => d.review.review()),
    run("tandem.revertChanges", () => d.review.revert()),
    run("tandem.switchMode", async () => {
      const modes = d.sessions.modes;
      if (!modes) { await d.sessions.newSession(); }
      const available = d.sessions.modes?.availableModes ?? [];
      const pick = await vscode.window.showQuickPick(available.map((m) => ({
        label: m.name, description: m.id === d.sessions.currentMode ? "current" : (m.description ?? ""), id: m.id })),
        { placeHolder: "Tandem permission mode" });
      if (pick) await d.sessions.setMode(pick.id);
    }),
    run("tandem.showLog", () => d.log.show(true)),
    run("tandem.setApiKey", async () => {
      if (await d.keys.prompt()) await d.client.restart().then(() => d.sessions.reattach());
    }),
    run("tandem.restartServer", async () => { await d.client.restart(); await d.sessions.reattach(); }),
    run("tandem.stop", () => d.sessions.cancel()),
  ];
}
