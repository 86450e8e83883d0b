// Pending hunks from the server (`_tandem/hunks`): decorations, Accept/Reject all, and the native diff.
// Per-hunk Accept/Reject arrive as the server's CodeLens (plain LSP; vscode-languageclient shows them).
import * as vscode from "vscode";
import type { TandemClient } from "../client";
import type { DiffDocuments } from "./diffDocuments";
import { parseHunksParams, planDecorations, reconstructOldText, type HunksParams } from "./hunkModel";

const GUTTER_ADDED = vscode.Uri.parse("data:image/svg+xml;utf8," + encodeURIComponent(
  '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="16"><rect width="3" height="16" fill="#2ea043"/></svg>'));
const GUTTER_REMOVED = vscode.Uri.parse("data:image/svg+xml;utf8," + encodeURIComponent(
  '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="16"><path d="M0 4 L6 8 L0 12 Z" fill="#f85149"/></svg>'));

export class PendingHunks implements vscode.Disposable {
  private readonly byUri = new Map<string, HunksParams>();
  private readonly added = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    backgroundColor: new vscode.ThemeColor("diffEditor.insertedLineBackground"),
    overviewRulerColor: new vscode.ThemeColor("editorOverviewRuler.addedForeground"),
    overviewRulerLane: vscode.OverviewRulerLane.Left,
    gutterIconPath: GUTTER_ADDED,
    gutterIconSize: "contain",
  });
  private readonly removed = vscode.window.createTextEditorDecorationType({
    overviewRulerColor: new vscode.ThemeColor("editorOverviewRuler.deletedForeground"),
    overviewRulerLane: vscode.OverviewRulerLane.Left,
    gutterIconPath: GUTTER_REMOVED,
    gutterIconSize: "contain",
  });
  private readonly disposables: vscode.Disposable[] = [];
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly client: TandemClient, private readonly diffs: DiffDocuments,
              private readonly log: vscode.LogOutputChannel) {
    this.disposables.push(
      vscode.window.onDidChangeVisibleTextEditors(() => this.renderAll()),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (this.byUri.has(e.document.uri.toString())) this.renderUri(e.document.uri.toString());
      }),
    );
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
    void vscode.commands.executeCommand("setContext", "tandem.hasPendingHunks", this.byUri.size > 0);
    this.changed.fire();
  }

  get count(): number {
    let n = 0;
    for (const p of this.byUri.values()) n += p.hunks.length;
    return n;
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
      editor.setDecorations(this.added, []);
      editor.setDecorations(this.removed, []);
      return;
    }
    const plan = planDecorations(pending.hunks, editor.document.lineCount);
    editor.setDecorations(this.added, plan.added.map((a) => new vscode.Range(a.start, 0, a.end, 0)));
    editor.setDecorations(this.removed, plan.removed.map((r): vscode.DecorationOptions => {
      const first = r.lines[0] ?? "";
      const more = r.lines.length > 1 ? `  (+${r.lines.length - 1} more removed)` : "";
      const hover = new vscode.MarkdownString();
      hover.appendMarkdown("**Tandem: removed lines**\n");
      hover.appendCodeblock(r.lines.map((l) => `- ${l}`).join("\n"), "diff");
      return {
        range: new vscode.Range(r.line, 0, r.line, 0),
        hoverMessage: hover,
        renderOptions: { after: {
          contentText: `  ⊖ ${first.trim()}${more}`,
          color: new vscode.ThemeColor("editorError.foreground"),
          textDecoration: "line-through; opacity: 0.8",
        } },
      };
    }));
  }

  private targets(uri?: vscode.Uri): HunksParams[] {
    if (uri) {
      const one = this.byUri.get(uri.toString());
      return one ? [one] : [];
    }
    const active = vscode.window.activeTextEditor?.document.uri.toString();
    const onActive = active ? this.byUri.get(active) : undefined;
    return onActive ? [onActive] : [...this.byUri.values()];
  }

  /** Accept or reject every pending hunk of the active file (or of every file when the active one has none). */
  async resolveAll(accept: boolean, uri?: vscode.Uri): Promise<number> {
    const targets = this.targets(uri);
    if (targets.length === 0) {
      void vscode.window.showInformationMessage("Tandem: no pending changes.");
      return 0;
    }
    const args = targets.map((t) => ({ sessionId: t.sessionId, uri: t.uri, hunkIds: t.hunks.map((h) => h.id) }));
    await this.client.executeCommand(accept ? "tandem.acceptHunks" : "tandem.rejectHunks", args);
    return args.reduce((n, a) => n + a.hunkIds.length, 0);
  }

  /** The native diff editor: the text before the pending hunks against the buffer as it is now. */
  async openDiff(uri?: vscode.Uri): Promise<void> {
    const [target] = this.targets(uri ?? vscode.window.activeTextEditor?.document.uri);
    if (!target) {
      void vscode.window.showInformationMessage("Tandem: no pending changes to diff.");
      return;
    }
    const fileUri = vscode.Uri.parse(target.uri);
    const doc = await vscode.workspace.openTextDocument(fileUri);
    const original = this.diffs.create(fileUri.path, "original", reconstructOldText(doc.getText(), target.hunks));
    const name = fileUri.path.split("/").pop() ?? fileUri.path;
    await vscode.commands.executeCommand("vscode.diff", original, fileUri, `${name} (Tandem: pending changes)`);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.added.dispose();
    this.removed.dispose();
    this.changed.dispose();
  }
}
