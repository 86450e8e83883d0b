"""The LSP door's ClientChannel: session/update notifications, permission requests, edits to open buffers."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec
from lsprotocol import types
from tandem_protocol import RequestPermissionRequest

from ...edits.diff import compute_hunks, hunks_to_text_edits
from ..permissions import AsksPermission

if TYPE_CHECKING:
    from .server import TandemServer

log = logging.getLogger(__name__)
_encode = msgspec.json.Encoder().encode


class _Notification(msgspec.Struct):
    jsonrpc: str
    method: str
    params: Any


class _UpdateParams(msgspec.Struct, rename="camel"):
    session_id: str
    update: Any


class LspChannel(AsksPermission):
    """Talks to the editor over the LSP connection."""

    def __init__(self, server: TandemServer) -> None:
        self.server = server

    @property
    def supports_compaction(self) -> bool:
        """The client advertised ACP `clientCapabilities.session.compaction` (in initializationOptions.acp)."""
        acp = getattr(self.server.protocol, "acp_params", None)
        caps = acp.get("clientCapabilities") if isinstance(acp, dict) else None
        session = caps.get("session") if isinstance(caps, dict) else None
        return isinstance(session, dict) and isinstance(session.get("compaction"), dict)

    def send_update(self, session_id: str, update: Any) -> None:
        body = _encode(_Notification("2.0", "session/update", _UpdateParams(session_id, update)))
        self.server.protocol.send_raw(body)

    async def _ask(self, request: RequestPermissionRequest) -> Any:
        return await self.server.protocol.request_withdrawable("session/request_permission",
                                                               msgspec.to_builtins(request), prefix="perm")

    def pending_hunks(self, params: Any) -> None:
        """`_tandem/hunks` for rich clients' decorations, and a code lens refresh for every LSP client."""
        self.server.protocol.send_raw(_encode(_Notification("2.0", "_tandem/hunks", params)))
        caps = self.server.client_capabilities
        refresh = caps.workspace and caps.workspace.code_lens and caps.workspace.code_lens.refresh_support
        if refresh:
            self.server.protocol.send_request("workspace/codeLens/refresh", None)

    async def write_open_buffer(self, path: Path, new_text: str, old_text: str | None) -> bool:
        """Minimal TextEdits against the buffer's current version, so undo and the user's cursor behave."""
        ls = self.server
        uri = path.as_uri()
        doc = ls.workspace.text_documents.get(uri)
        if doc is None or doc.version is None:
            return False
        current = doc.source
        edits = [types.TextEdit(range=types.Range(start=types.Position(line=e.start_line, character=e.start_char),
                                                  end=types.Position(line=e.end_line, character=e.end_char)),
                                new_text=e.new_text)
                 for e in hunks_to_text_edits(current, compute_hunks(current, new_text), self._encoding())]
        if not edits:
            return True
        edit = types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(
            text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=doc.version), edits=edits)])
        try:
            result = await ls.workspace_apply_edit_async(types.ApplyWorkspaceEditParams(edit=edit, label="Tandem"))
        except Exception as e:
            log.warning("workspace/applyEdit failed: %s", e)
            return False
        return bool(getattr(result, "applied", False))

    def _encoding(self) -> str:
        encoding = getattr(self.server.workspace, "position_encoding", None)
        value = getattr(encoding, "value", encoding) or "utf-16"
        return value if value in ("utf-8", "utf-16", "utf-32") else "utf-16"
