// Pending hunks from the server (`_tandem/hunks`): decorations, the editor context keys, Accept/Reject all, and the
// native diff. Per-hunk Accept/Reject are the server's CodeLens (plain LSP; vscode-languageclient shows them and
// runs their `tandem.acceptHunks` / `tandem.rejectHunks` commands through workspace/executeCommand).
import * as vscode from "vscode";
import type { TandemClient } from "../client";
import type { HunkCommandArgs, PendingHunksParams } from "../protocol/types.gen";
import type { DiffDocuments } from "./diffDocuments";
import { applyHunks, parseHunksParams, planDecorations } from "./hunkModel";

const svg = (body: string, width: number): vscode.Uri => vscode.Uri.parse("data:image/svg+xml;utf8," + encodeURIComponent(
  `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="16">${body}</svg>`));
const GUTTER_REMOVED = svg('<rect width="3" height="16" fill="#f85149"/>', 4);
const GUTTER_ADDED = svg('<path d="M0 4 L6 8 L0 12 Z" fill="#2ea043"/>', 8);

/** Context keys for menus and keybindings: `resourcePath in tandem.pendingPaths`, `tandem.hasPendingHunks`.
 *  Paths, not URIs: context values are plain strings, and in a remote window (code-server, Remote-SSH) the
 *  workbench's `resource` is a vscode-remote:// URI while the extension host sees file://. `resourcePath` is the
 *  fsPath of a local file and the URI's path of a remote one, so both are listed. */
export const PENDING_PATHS_KEY = "tandem.pendingPaths";

export class PendingHunks implements vscode.Disposable {
  private readonly byUri = new Map<string, PendingHunksParams>();
  private readonly removed = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    backgroundColor: new vscode.ThemeColor("diffEditor.removedLineBackground"),
    overviewRulerColor: new vscode.ThemeColor("editorOverviewRuler.deletedForeground"),
    overviewRulerLane: vscode.OverviewRulerLane.Left,
    gutterIconPath: GUTTER_REMOVED,
    gutterIconSize: "contain",
  });
  private readonly added = vscode.window.createTextEditorDecorationType({
    overviewRulerColor: new vscode.ThemeColor("editorOverviewRuler.addedForeground"),
    overviewRulerLane: vscode.OverviewRulerLane.Right,
  });
  private readonly insertedAt = vscode.window.createTextEditorDecorationType({
    gutterIconPath: GUTTER_ADDED,
    gutterIconSize: "contain",
  });
  private readonly disposables: vscode.Disposable[] = [];
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly client: TandemClient, private readonly diffs: DiffDocuments,
              private readonly log: vscode.LogOutputChannel) {
    // Hunks move only when the server says so (it rebases them over the user's typing and sends them again), so
    // decorations are drawn on `_tandem/hunks` and when an editor becomes visible, never guessed from an edit.
    this.disposables.push(vscode.window.onDidChangeVisibleTextEditors(() => this.renderAll()));
  }

  /** `_tandem/hunks` arrived: replace what is pending for that uri (decorations only, focus never moves). */
  onNotification(raw: unknown): void {
    const params = parseHunksParams(raw);
    if (!params) {
      this.log.warn(`ignored malformed _tandem/hunks: ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    const key = vscode.Uri.parse(params.uri).toString();
    if (params.hunks.length === 0) this.byUri.delete(key);
    else this.byUri.set(key, params);
    this.renderUri(key);
    this.publishContext();
    this.changed.fire();
  }

  /** The server restarted: whatever was pending died with it. */
  clear(): void {
    const keys = [...this.byUri.keys()];
    this.byUri.clear();
    for (const key of keys) this.renderUri(key);
    this.publishContext();
    this.changed.fire();
  }

  get count(): number {
    let n = 0;
    for (const p of this.byUri.values()) n += p.hunks.length;
    return n;
  }

  pendingFor(uri: vscode.Uri): PendingHunksParams | undefined {
    return this.byUri.get(uri.toString());
  }

  private publishContext(): void {
    void vscode.commands.executeCommand("setContext", "tandem.hasPendingHunks", this.byUri.size > 0);
    const paths = new Set<string>();
    for (const key of this.byUri.keys()) {
      const uri = vscode.Uri.parse(key);
      paths.add(uri.fsPath);
      paths.add(uri.path);
    }
    void vscode.commands.executeCommand("setContext", PENDING_PATHS_KEY, [...paths]);
  }

  private renderAll(): void {
    for (const editor of vscode.window.visibleTextEditors) this.render(editor);
  }

  private renderUri(key: string): void {
    for (const editor of vscode.window.visibleTextEditors) {
      if (editor.document.uri.toString() === key) this.render(editor);
    }
  }

  private render(editor: vscode.TextEditor): void {
    const pending = this.byUri.get(editor.document.uri.toString());
    if (!pending) {
      for (const type of [this.removed, this.added, this.insertedAt]) editor.setDecorations(type, []);
      return;
    }
    const plan = planDecorations(pending.hunks, editor.document.lineCount);
    editor.setDecorations(this.removed, plan.removed.map((r) => new vscode.Range(r.start, 0, r.end, 0)));
    editor.setDecorations(this.insertedAt, plan.added.filter((a) => !plan.removed.some((r) => r.hunkId === a.hunkId))
      .map((a) => new vscode.Range(a.line, 0, a.line, 0)));
    editor.setDecorations(this.added, plan.added.map((a): vscode.DecorationOptions => {
      const first = a.lines.find((l) => l.trim()) ?? a.lines[0] ?? "";
      const more = a.lines.length > 1 ? `  (+${a.lines.length - 1} more line${a.lines.length > 2 ? "s" : ""})` : "";
      const hover = new vscode.MarkdownString();
      hover.appendMarkdown("**Tandem proposes**\n");
      hover.appendCodeblock(a.lines.map((l) => `+ ${l}`).join("\n"), "diff");
      const end = editor.document.lineAt(Math.min(a.line, editor.document.lineCount - 1)).range.end;
      const ghost = { contentText: `${a.above ? "⊕ above: " : "  ⊕ "}${first.trim()}${more}`,
                      color: new vscode.ThemeColor("gitDecoration.addedResourceForeground"),
                      backgroundColor: new vscode.ThemeColor("diffEditor.insertedTextBackground"),
                      margin: "0 0 0 1em" };
      return { range: new vscode.Range(end, end), hoverMessage: hover, renderOptions: { after: ghost } };
    }));
  }

  private targets(uri?: vscode.Uri): PendingHunksParams[] {
    const key = (uri ?? vscode.window.activeTextEditor?.document.uri)?.toString();
    const one = key ? this.byUri.get(key) : undefined;
    return one ? [one] : [];
  }

  /** Accept or reject every pending hunk of one file (the editor title's file, else the active editor's). */
  async resolveAll(accept: boolean, uri?: vscode.Uri): Promise<number> {
    let targets = this.targets(uri);
    if (targets.length === 0) {
      if (this.byUri.size === 0) {
        void vscode.window.showInformationMessage("Tandem: no pending changes.");
        return 0;
      }
      const everywhere = accept ? "Accept in every file" : "Reject in every file";
      const pick = await vscode.window.showInformationMessage(
        `Tandem: no pending changes in this editor; ${this.count} in ${this.byUri.size} other file(s).`, everywhere);
      if (pick !== everywhere) return 0;
      targets = [...this.byUri.values()];
    }
    let n = 0;
    for (const t of targets) {
      const args: HunkCommandArgs = { sessionId: t.sessionId, uri: t.uri };  // no hunkIds: all that are pending
      await this.client.executeCommand(accept ? "tandem.acceptHunks" : "tandem.rejectHunks", [args]);
      n += t.hunks.length;
    }
    return n;
  }

  /** The native diff editor: the file as it is now against the text once every pending hunk applies. */
  async openDiff(uri?: vscode.Uri): Promise<void> {
    const [target] = this.targets(uri);
    const chosen = target ?? [...this.byUri.values()][0];
    if (!chosen) {
      void vscode.window.showInformationMessage("Tandem: no pending changes to diff.");
      return;
    }
    const fileUri = vscode.Uri.parse(chosen.uri);
    const doc = await vscode.workspace.openTextDocument(fileUri);
    const proposed = this.diffs.create(fileUri.path, "proposed", applyHunks(doc.getText(), chosen.hunks));
    const name = fileUri.path.split("/").pop() ?? fileUri.path;
    await vscode.commands.executeCommand("vscode.diff", fileUri, proposed, `${name} (now ↔ Tandem's pending changes)`,
                                         { preview: false });
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    for (const type of [this.removed, this.added, this.insertedAt]) type.dispose();
    this.changed.dispose();
  }
}
