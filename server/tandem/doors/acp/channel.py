"""The ACP door's ClientChannel: session/update, permission requests, and the client's files when it offers them."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import msgspec
from tandem_protocol import (
    ClientCapabilities,
    ReadTextFileRequest,
    RequestPermissionRequest,
    SessionNotification,
    WriteTextFileRequest,
)

from ..permissions import AsksPermission
from .rpc import Peer, RpcFailure

log = logging.getLogger(__name__)


class AcpChannel(AsksPermission):
    """Talks to an ACP client. Reads and writes go through the client (`fs/*`) when it says it serves them,
    so the agent sees unsaved buffers and the client's review UI shows the agent's writes."""

    def __init__(self, peer: Peer, capabilities: ClientCapabilities) -> None:
        self.peer = peer
        self.set_capabilities(capabilities)

    def set_capabilities(self, capabilities: ClientCapabilities) -> None:
        fs = capabilities.fs if not isinstance(capabilities.fs, msgspec.UnsetType) else None
        self.reads_files = bool(fs and fs.read_text_file)
        self.writes_files = bool(fs and fs.write_text_file)
        self.has_terminal = capabilities.terminal is True
        session = capabilities.session if not isinstance(capabilities.session, msgspec.UnsetType) else None
        compaction = session.compaction if session is not None else None
        self.supports_compaction = isinstance(compaction, dict)  # `{}` advertises compaction_update

    def send_update(self, session_id: str, update: Any) -> None:
        self.peer.notify("session/update", SessionNotification(session_id=session_id, update=update))

    _no_answer = (RpcFailure, ConnectionError)

    async def _ask(self, request: RequestPermissionRequest) -> Any:
        return await self.peer.request("session/request_permission", request)  # cancelled: $/cancel_request

    async def write_open_buffer(self, path: Path, new_text: str, old_text: str | None) -> bool:
        return False  # ACP has no open-buffer edits; write_text_file covers them

    async def read_text_file(self, session_id: str, path: Path) -> str | None:
        """The client's text of `path` (its buffer, unsaved changes included); None to read the local file."""
        if not self.reads_files:
            return None
        try:
            result = await self.peer.request("fs/read_text_file", ReadTextFileRequest(session_id=session_id,
                                                                                       path=str(path)))
        except (RpcFailure, ConnectionError) as e:
            log.info("fs/read_text_file %s failed, reading the local file: %s", path, e)
            return None
        content = result.get("content") if isinstance(result, dict) else None
        return content if isinstance(content, str) else None

    async def write_text_file(self, session_id: str, path: Path, new_text: str, old_text: str | None) -> bool:
        """Write through the client; False to write the local file instead. Raises OSError, writing nothing,
        when the user changed the text while the edit waited for approval: their typing is never overwritten."""
        if not self.writes_files:
            return False
        if old_text is not None:
            now = await self.read_text_file(session_id, path)
            if now is not None and now != old_text:
                raise OSError(f"{path.name} changed in the editor while the edit waited for approval, so nothing "
                              "was written; Read it again and redo the edit")
        try:
            await self.peer.request("fs/write_text_file", WriteTextFileRequest(session_id=session_id, path=str(path),
                                                                                content=new_text))
        except (RpcFailure, ConnectionError) as e:
            log.warning("fs/write_text_file %s failed, writing the local file: %s", path, e)
            return False
        return True
