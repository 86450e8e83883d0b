// Review after the fact: `_tandem/review/list` (files the session changed: quick pick -> native diff baseline vs now)
// and `_tandem/review/revert` (undo the agent's hunks in one file, all or some, keeping the user's own edits).
import * as path from "node:path";
import * as vscode from "vscode";
import type { TandemClient } from "../client";
import type { SessionController } from "../chat/SessionController";
import type { DiffDocuments } from "../edits/diffDocuments";
import { hunkStat } from "../edits/hunkModel";
import type { ReviewedFile } from "../protocol/types.gen";
import { diffStat, parseUnifiedDiff, reverseApply } from "./unifiedDiff";

interface FileItem extends vscode.QuickPickItem { file: ReviewedFile }

export class ReviewCommands {
  constructor(private readonly client: TandemClient, private readonly sessions: SessionController,
              private readonly diffs: DiffDocuments) {}

  private async files(): Promise<{ sessionId: string; files: ReviewedFile[] } | undefined> {
    const sessionId = this.sessions.sessionId;
    if (!sessionId) {
      void vscode.window.showInformationMessage("Tandem: no session yet, so no changes to review.");
      return undefined;
    }
    const { files } = await this.client.request("_tandem/review/list", { sessionId });
    if (files.length === 0) {
      void vscode.window.showInformationMessage("Tandem: this session has not changed any file.");
      return undefined;
    }
    return { sessionId, files };
  }

  private async pickFile(files: ReviewedFile[], placeHolder: string): Promise<ReviewedFile | undefined> {
    const items: FileItem[] = files.map((file) => {
      const { added, removed } = diffStat(parseUnifiedDiff(file.diff));
      return { label: vscode.workspace.asRelativePath(file.path), file,
               description: `${file.created ? "new file · " : ""}+${added} -${removed}`,
               detail: `changed in turn${file.turns.length > 1 ? "s" : ""} ${file.turns.join(", ")}` };
    });
    return (await vscode.window.showQuickPick(items, { placeHolder, matchOnDescription: true }))?.file;
  }

  /** Tandem: Review Changes: pick a file, see the session's baseline against the file as it is now. */
  async review(): Promise<void> {
    const listed = await this.files();
    if (!listed) return;
    const file = await this.pickFile(listed.files, "Files this session changed: open the diff (baseline ↔ now)");
    if (file) await this.openDiff(file);
  }

  async openDiff(file: ReviewedFile): Promise<void> {
    const uri = vscode.Uri.parse(file.uri);
    let now = "";
    try { now = (await vscode.workspace.openTextDocument(uri)).getText(); } catch { /* deleted since */ }
    const baseline = file.created ? "" : reverseApply(now, parseUnifiedDiff(file.diff));
    const left = this.diffs.create(uri.path, "baseline", baseline);
    await vscode.commands.executeCommand("vscode.diff", left, uri,
                                         `${path.basename(file.path)} (before Tandem ↔ now)`, { preview: false });
  }

  /** Tandem: Revert Changes…: pick a file, then all of the agent's hunks in it or some of them. */
  async revert(): Promise<void> {
    const listed = await this.files();
    if (!listed) return;
    const file = await this.pickFile(listed.files, "Revert the agent's changes in…");
    if (!file) return;
    let hunkIds: string[] | undefined;
    if (file.hunks.length > 1) {
      const picked = await vscode.window.showQuickPick(file.hunks.map((h) => ({
        label: `line ${h.newStart}  ${hunkStat(h)}`, picked: true, id: h.id,
        detail: [...h.removed.slice(0, 2).map((l) => `- ${l}`), ...h.added.slice(0, 2).map((l) => `+ ${l}`)].join("   "),
      })), { canPickMany: true, placeHolder: "The agent's hunks to revert (your own edits are kept)" });
      if (!picked || picked.length === 0) return;
      if (picked.length < file.hunks.length) hunkIds = picked.map((p) => p.id);
    }
    const result = await this.client.request("_tandem/review/revert", {
      sessionId: listed.sessionId, path: file.path, ...(hunkIds ? { hunkIds } : {}) });
    if (result.conflicts.length) void vscode.window.showWarningMessage(`Tandem: ${result.message}`);
    else void vscode.window.showInformationMessage(`Tandem: ${result.message}`);
  }
}
