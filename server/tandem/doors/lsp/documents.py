"""Document sync: the editor's open buffers (unsaved text included) become the agent's view of those files."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from lsprotocol import types
from pygls.uris import to_fs_path

from ...workspace import Buffer

if TYPE_CHECKING:
    from .server import TandemServer


def setup(server: TandemServer, buffers: dict[str, Buffer], on_change: Callable[[str, str], None]) -> None:
    """`buffers` is the overlay every Workspace of the AgentService reads (shared dict); `on_change(path, text)`
    lets pending edit proposals follow the user's typing."""

    def sync(uri: str) -> None:
        path = to_fs_path(uri)
        if path is None:
            return
        try:
            doc = server.workspace.get_text_document(uri)
        except Exception:
            return
        previous = buffers.get(path)
        buffers[path] = Buffer(doc.source, doc.version or 0)
        if previous is not None and previous.text != doc.source:
            on_change(path, doc.source)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(params: types.DidOpenTextDocumentParams) -> None:
        sync(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(params: types.DidChangeTextDocumentParams) -> None:
        sync(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(params: types.DidCloseTextDocumentParams) -> None:
        path = to_fs_path(params.text_document.uri)
        if path is not None:
            buffers.pop(path, None)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(params: types.DidSaveTextDocumentParams) -> None:
        sync(params.text_document.uri)
