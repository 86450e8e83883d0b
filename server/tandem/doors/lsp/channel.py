"""The LSP door's ClientChannel: session/update notifications, permission requests, edits to open buffers."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec
from lsprotocol import types
from tandem_protocol import RequestPermissionRequest, RequestPermissionResponse

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


class LspChannel:
    """Talks to the editor over the LSP connection."""

    def __init__(self, server: TandemServer) -> None:
        self.server = server

    def send_update(self, session_id: str, update: Any) -> None:
        body = _encode(_Notification("2.0", "session/update", _UpdateParams(session_id, update)))
        self.server.protocol.send_raw(body)

    async def request_permission(self, request: RequestPermissionRequest) -> RequestPermissionResponse | None:
        protocol = self.server.protocol
        msg_id = f"perm-{id(request)}-{asyncio.get_running_loop().time()}"
        future = protocol.send_request_async("session/request_permission", msgspec.to_builtins(request), msg_id=msg_id)
        try:
            result = await future
        except asyncio.CancelledError:
            protocol.notify("$/cancelRequest", {"id": msg_id})  # the editor can dismiss its prompt
            raise
        except Exception as e:  # the client failed to answer: treat as a rejection, say why
            log.warning("permission request failed: %s", e)
            return None
        try:
            return msgspec.convert(result, RequestPermissionResponse)
        except msgspec.ValidationError as e:
            log.warning("bad permission answer %r: %s", result, e)
            return None

    async def write_open_buffer(self, path: Path, new_text: str, old_text: str | None) -> bool:
        ls = self.server
        uri = path.as_uri()
        try:
            doc = ls.workspace.get_text_document(uri)
        except Exception:
            return False
        if doc.version is None or uri not in ls.workspace.text_documents:
            return False
        lines = doc.source.split("\n")
        end = types.Position(line=len(lines) - 1, character=len(lines[-1].encode("utf-16-le")) // 2)
        edit = types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(
            text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=doc.version),
            edits=[types.TextEdit(range=types.Range(start=types.Position(line=0, character=0), end=end),
                                  new_text=new_text)])])
        try:
            result = await ls.workspace_apply_edit_async(types.ApplyWorkspaceEditParams(edit=edit, label="Tandem"))
        except Exception as e:
            log.warning("workspace/applyEdit failed: %s", e)
            return False
        return bool(getattr(result, "applied", False))
