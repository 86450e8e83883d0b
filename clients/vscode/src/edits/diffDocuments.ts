// Read-only virtual documents (scheme tandem-diff) for the native diff editor: proposed and original texts.
import * as vscode from "vscode";

export const DIFF_SCHEME = "tandem-diff";

export class DiffDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private readonly emitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.emitter.event;
  private next = 1;

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? "";
  }

  /** A virtual document holding `text`, named like `path` so the editor picks the right language. */
  create(path: string, label: string, text: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: DIFF_SCHEME, path, query: `${label}-${this.next++}` });
    this.texts.set(uri.toString(), text);
    if (this.texts.size > 200) this.texts.delete(this.texts.keys().next().value as string);
    return uri;
  }

  /** Opens the native diff editor (never rejects anything when closed: it is only a view). */
  async open(path: string, oldText: string, newText: string, title?: string): Promise<void> {
    const left = this.create(path, "original", oldText);
    const right = this.create(path, "proposed", newText);
    const name = path.split(/[\\/]/).pop() ?? path;
    await vscode.commands.executeCommand("vscode.diff", left, right, title ?? `${name} (Tandem: original ↔ proposed)`,
                                         { preview: false, preserveFocus: false });
  }

  dispose(): void {
    this.emitter.dispose();
    this.texts.clear();
  }
}
