"""What a session needs from the client it serves; each door (LSP, ACP, headless) implements it."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from tandem_protocol import RequestPermissionRequest, RequestPermissionResponse


class ClientChannel(Protocol):
    def send_update(self, session_id: str, update: Any) -> None:
        """Send one `session/update` (never blocks: the door queues the bytes)."""
        ...

    async def request_permission(self, request: RequestPermissionRequest) -> RequestPermissionResponse | None:
        """Ask the user; None when this client cannot be asked (headless)."""
        ...

    async def write_open_buffer(self, path: Path, new_text: str, old_text: str | None) -> bool:
        """Apply a change through the editor when the file is open there; False if it is not."""
        ...


class ClientFiles(Protocol):
    """Optional ClientChannel methods, for clients that serve files themselves (ACP `fs/*`); looked up with getattr,
    so a channel without them reads and writes local files."""

    async def read_text_file(self, session_id: str, path: Path) -> str | None:
        """The client's text of the file (its buffer, unsaved changes included); None to read the local file."""
        ...

    async def write_text_file(self, session_id: str, path: Path, new_text: str, old_text: str | None) -> bool:
        """Write through the client; False to write the local file instead. Raises OSError to refuse the write."""
        ...
