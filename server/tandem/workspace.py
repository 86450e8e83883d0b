"""The workspace: open editor buffers (unsaved text) layered over the files on disk, and path rules."""

from __future__ import annotations

import copy
import os
from collections import ChainMap
from dataclasses import dataclass
from pathlib import Path


class OutsideWorkspace(ValueError):
    """A path resolves outside the workspace root."""


class NotText(ValueError):
    """A file is binary or not UTF-8."""


@dataclass
class Buffer:
    """An open editor buffer: its text and the editor's version number."""

    text: str
    version: int


class Workspace:
    """One workspace root. The editor's buffer is the truth for open files; disk for the rest."""

    def __init__(self, root: str | os.PathLike[str], buffers: dict[str, Buffer] | None = None) -> None:
        self.root = Path(root).resolve()
        # Keyed by absolute path; the server shares one dict among all workspaces it serves.
        self._buffers: dict[str, Buffer] = {} if buffers is None else buffers

    # ---- paths ------------------------------------------------------------------------------

    def resolve(self, path: str | os.PathLike[str]) -> Path:
        """An absolute, normalised path (relative paths are taken from the root; symlinks are not followed)."""
        p = Path(os.path.expanduser(os.fspath(path)))
        if not p.is_absolute():
            p = self.root / p
        return Path(os.path.normpath(p))

    def contains(self, path: str | os.PathLike[str]) -> bool:
        """True if the path, with every symlink followed, is inside the root."""
        real = Path(os.path.realpath(self.resolve(path)))
        return real == self.root or self.root in real.parents

    def resolve_inside(self, path: str | os.PathLike[str]) -> Path:
        """Like resolve(), but refuse a path that leads (through `..` or a symlink) outside the root."""
        p = self.resolve(path)
        if not self.contains(p):
            raise OutsideWorkspace(f"{p} is outside the workspace {self.root}")
        return p

    def relative(self, path: str | os.PathLike[str]) -> str:
        """The path relative to the root when inside it, else absolute: for titles."""
        p = self.resolve(path)
        try:
            return str(p.relative_to(self.root))
        except ValueError:
            return str(p)

    # ---- buffers ----------------------------------------------------------------------------

    def open_buffer(self, path: str | os.PathLike[str], text: str, version: int = 0) -> None:
        self._buffers[str(self.resolve(path))] = Buffer(text, version)

    def update_buffer(self, path: str | os.PathLike[str], text: str, version: int) -> None:
        self._buffers[str(self.resolve(path))] = Buffer(text, version)

    def close_buffer(self, path: str | os.PathLike[str]) -> None:
        self._buffers.pop(str(self.resolve(path)), None)

    def buffer(self, path: str | os.PathLike[str]) -> Buffer | None:
        return self._buffers.get(str(self.resolve(path)))

    def is_open(self, path: str | os.PathLike[str]) -> bool:
        return str(self.resolve(path)) in self._buffers

    def with_text(self, path: str | os.PathLike[str], text: str) -> Workspace:
        """A view of this workspace in which `path` reads as `text` (a client's buffer fetched for one tool call);
        buffer changes made through the view stay in the view."""
        view = copy.copy(self)
        view._buffers = ChainMap({str(self.resolve(path)): Buffer(text, 0)}, self._buffers)  # type: ignore[assignment]
        return view

    # ---- reading ----------------------------------------------------------------------------

    def read_text(self, path: str | os.PathLike[str]) -> str:
        """The file's current text: the open buffer if any, else disk. Raises FileNotFoundError,
        IsADirectoryError or NotText."""
        p = self.resolve(path)
        buf = self._buffers.get(str(p))
        if buf is not None:
            return buf.text
        data = p.read_bytes()
        return decode_text(data, p)


def decode_text(data: bytes, path: Path | str = "") -> str:
    """UTF-8 text, newlines kept as they are; binary or other encodings are refused."""
    if b"\0" in data[:8192]:
        raise NotText(f"{path} is a binary file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise NotText(f"{path} is not UTF-8 text ({e.reason} at byte {e.start})") from None
