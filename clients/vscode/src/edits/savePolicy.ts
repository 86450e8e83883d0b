// The save policy of the agent's edits (pure, no `vscode`): which documents to save after the client applied a
// `workspace/applyEdit` from the Tandem server (accepted hunks, allowed edits, reverts and rewinds of open files).
//
// The server never writes the disk behind a file open in the editor: it changes the buffer through applyEdit. Left
// unsaved, the agent's next command (tests, a build) would read the old file. So a document that was clean before the
// edit is saved right after it, and one that was dirty (the user's own unsaved typing) is left unsaved, the agent's
// change applied on top: nothing the user typed is ever saved behind their back. Setting: `tandem.saveAgentEdits`.

/** The parts of an LSP WorkspaceEdit this module reads (structural: the wire types of vscode-languageclient fit). */
export interface WorkspaceEditLike {
  changes?: { [uri: string]: unknown } | undefined;
  documentChanges?: ReadonlyArray<{ textDocument?: { uri: string }; edits?: unknown; kind?: string }> | undefined;
}

/** The URIs (as the server wrote them, each once, in order) of the documents whose text the edit changes; file
 *  operations (create, rename, delete) are not text edits and are left out. */
export function editedUris(edit: WorkspaceEditLike | null | undefined): string[] {
  const uris: string[] = [];
  const add = (uri: unknown) => {
    if (typeof uri === "string" && uri && !uris.includes(uri)) uris.push(uri);
  };
  for (const change of edit?.documentChanges ?? []) {
    if (change && change.kind === undefined && Array.isArray(change.edits)) add(change.textDocument?.uri);
  }
  for (const uri of Object.keys(edit?.changes ?? {})) add(uri);
  return uris;
}

/** What the editor knew of a document just before the edit: `undefined` when it was not open (the disk is then what
 *  the edit was made against, so it counts as clean). */
export interface DocState {
  dirty: boolean;
  /** Only `file` documents are saved: an untitled one has no file (saving it would ask for a name). */
  scheme: string;
  version: number;
}

/** The URIs to save once the edit was applied: every edited document that was not dirty before it, when `enabled`
 *  and the edit was applied. `after` is the document now: if its version moved by more than the edit's one step,
 *  something else (the user typing while the edit was applied) changed it too, and it is not saved. */
export function urisToSave(uris: readonly string[], before: (uri: string) => DocState | undefined,
                           after: (uri: string) => DocState | undefined, applied: boolean, enabled: boolean): string[] {
  if (!enabled || !applied) return [];
  return uris.filter((uri) => {
    const was = before(uri), now = after(uri);
    if (now === undefined || now.scheme !== "file") return false;
    if (was === undefined) return true;
    return !was.dirty && now.version - was.version <= 1;
  });
}

/** `applied` of an ApplyWorkspaceEditResult (a middleware may also see a ResponseError or nothing). */
export function wasApplied(result: unknown): boolean {
  return typeof result === "object" && result !== null && (result as { applied?: unknown }).applied === true;
}
