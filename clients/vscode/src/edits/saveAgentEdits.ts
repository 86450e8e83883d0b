// The LanguageClient middleware for `workspace/applyEdit` (every applyEdit of this client comes from the Tandem
// server): note which edited documents were dirty, let the client apply the edit as usual (its version check and
// vscode.workspace.applyEdit), then save those that were clean, before answering, so the server's next step (the
// agent's Bash command) reads the new file. The decision is the pure savePolicy.ts.
import * as vscode from "vscode";
import {
  CancellationToken, ResponseError, type ApplyWorkspaceEditParams, type ApplyWorkspaceEditResult, type Middleware,
} from "vscode-languageclient/node";
import { editedUris, urisToSave, wasApplied, type DocState } from "./savePolicy";

type HandleApplyEdit = NonNullable<NonNullable<Middleware["workspace"]>["handleApplyEdit"]>;

/** A save that takes longer (a slow save participant) no longer holds the server's applyEdit; it goes on anyway. */
const SAVE_WAIT_MS = 5000;

const key = (uri: string) => vscode.Uri.parse(uri).toString();

function states(uris: readonly string[]): Map<string, DocState> {
  const open = new Map(vscode.workspace.textDocuments.map((d) => [d.uri.toString(), d]));
  const found = new Map<string, DocState>();
  for (const uri of uris) {
    const doc = open.get(key(uri));
    if (doc) found.set(uri, { dirty: doc.isDirty, scheme: doc.uri.scheme, version: doc.version });
  }
  return found;
}

export function saveAgentEditsMiddleware(log: vscode.LogOutputChannel): HandleApplyEdit {
  return async (params: ApplyWorkspaceEditParams, next) => {
    const uris = editedUris(params.edit);
    const before = states(uris);  // now, before the client converts and applies the edit
    const result = await next(params, CancellationToken.None);
    if (result instanceof ResponseError) return result;
    const enabled = vscode.workspace.getConfiguration("tandem").get<boolean>("saveAgentEdits", true);
    const after = states(uris);
    const targets = urisToSave(uris, (uri) => before.get(uri), (uri) => after.get(uri), wasApplied(result), enabled);
    if (targets.length) await saveAll(targets, log);
    return result as ApplyWorkspaceEditResult;
  };
}

async function saveAll(uris: string[], log: vscode.LogOutputChannel): Promise<void> {
  const saves = uris.map(async (uri) => {
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === key(uri));
    if (!doc?.isDirty) return;  // the edit changed nothing, or something saved it already
    try {
      if (!(await doc.save())) log.warn(`the agent's edit to ${doc.uri.fsPath} was applied but not saved`);
    } catch (e) {
      log.warn(`saving the agent's edit to ${doc.uri.fsPath}: ${String(e)}`);
    }
  });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => { timer = setTimeout(resolve, SAVE_WAIT_MS); });
  await Promise.race([Promise.all(saves), late]);
  clearTimeout(timer);
}
