"""Append-only session files under XDG_STATE_HOME: one JSON record a line, written as things happen."""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
from tandem_protocol import SessionUpdate

FLUSH_DELAY = 0.02  # chunks are batched this long; anything else is written at once
HEAD_BYTES = 65536

_encode = msgspec.json.Encoder().encode
_decode_record = msgspec.json.Decoder().decode
_decode_update = msgspec.json.Decoder(SessionUpdate).decode


def state_home() -> Path:
    return Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state") / "tandem"


def workspace_dir(cwd: str) -> Path:
    """One folder per workspace: a readable name plus a hash of the full path."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", Path(cwd).name)[:40] or "root"
    return state_home() / "sessions" / f"{name}-{hashlib.sha256(cwd.encode()).hexdigest()[:10]}"


@dataclass
class StoredSession:
    """What a session file holds once read back."""

    session_id: str
    cwd: str
    meta: dict[str, Any]
    title: str | None
    updates: list[Any] = field(default_factory=list)  # SessionUpdate structs, in order
    history: list[dict[str, Any]] = field(default_factory=list)
    updated_at: float = 0.0
    changes: list[Any] = field(default_factory=list)  # AgentChange and HunksReverted records, in order
    turns: list[dict[str, int]] = field(default_factory=list)  # where each turn began: messages, updates


class SessionLog:
    """Writes one session's records. Writes are plain appends (O_APPEND), so a kill -9 leaves every
    complete line intact; a torn last line is skipped on reading."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        if _ends_torn(path):  # a crash cut the last line short: start ours on a line of its own
            os.write(self._fd, b"\n")
        self._pending: list[bytes] = []
        self._timer: asyncio.TimerHandle | None = None

    def meta(self, **fields: Any) -> None:
        self._write(_encode({"k": "meta", **fields}) + b"\n")

    def title(self, title: str) -> None:
        self._write(_encode({"k": "title", "title": title}) + b"\n")

    def change(self, change: Any) -> None:
        self._write(b'{"k":"change","c":' + _encode(change) + b"}\n")

    def turn(self, number: int, messages: int, updates: int) -> None:
        self._write(_encode({"k": "turn", "n": number, "messages": messages, "updates": updates}) + b"\n")

    def rewind(self, turn: int) -> None:
        self._write(_encode({"k": "rewind", "n": turn}) + b"\n")

    def truncate(self, messages: int) -> None:
        """The conversation keeps only its first `messages` messages (/retry drops a failed turn's replies)."""
        self._write(_encode({"k": "truncate", "messages": messages}) + b"\n")

    def compact(self, history: list[dict[str, Any]], start: int) -> None:
        """The conversation was compacted: it is now `history`; turn records at or before `start` moved (see
        sessions/compaction.py)."""
        self._write(b'{"k":"compact","start":%d,"history":' % start + _encode(history) + b"}\n")

    def message(self, message: dict[str, Any]) -> None:
        self._write(b'{"k":"m","m":' + _encode(message) + b"}\n")

    def update(self, update: Any, *, batch: bool = False) -> None:
        line = b'{"k":"u","u":' + _encode(update) + b"}\n"
        if batch:
            self._pending.append(line)
            if self._timer is None:
                try:
                    self._timer = asyncio.get_running_loop().call_later(FLUSH_DELAY, self.flush)
                except RuntimeError:
                    self.flush()
        else:
            self._write(line)

    def _write(self, data: bytes) -> None:
        if self._pending:
            data = b"".join(self._pending) + data
            self._pending.clear()
        os.write(self._fd, data)

    def flush(self) -> None:
        self._timer = None
        if self._pending and self._fd >= 0:
            self._write(b"")

    def close(self) -> None:
        if self._timer:
            self._timer.cancel()
        self.flush()
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


class SessionStore:
    """Finds, reads and deletes session files."""

    def path(self, cwd: str, session_id: str) -> Path:
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,80}", session_id):
            raise KeyError(session_id)
        return workspace_dir(cwd) / f"{session_id}.jsonl"

    def open_log(self, cwd: str, session_id: str) -> SessionLog:
        return SessionLog(self.path(cwd, session_id))

    def exists(self, cwd: str, session_id: str) -> bool:
        try:
            return self.path(cwd, session_id).is_file()
        except KeyError:
            return False

    def load(self, cwd: str, session_id: str) -> StoredSession:
        path = self.path(cwd, session_id)
        data = path.read_bytes()
        stored = StoredSession(session_id, cwd, {}, None, updated_at=path.stat().st_mtime)
        for line in data.split(b"\n"):
            if not line:
                continue
            try:
                record = _decode_record(line)
                kind = record["k"]
                if kind == "u":
                    stored.updates.append(_decode_update(_encode(record["u"])))
                elif kind == "m":
                    stored.history.append(record["m"])
                elif kind == "meta":
                    stored.meta.update({k: v for k, v in record.items() if k != "k"})
                elif kind == "title":
                    stored.title = record["title"]
                elif kind == "change":
                    stored.changes.append(_decode_change(record["c"]))
                elif kind == "turn":
                    stored.turns.append({"n": record["n"], "messages": record["messages"],
                                         "updates": record["updates"]})
                elif kind == "rewind":
                    _cut(stored, record["n"])
                elif kind == "truncate":
                    del stored.history[record["messages"]:]
                elif kind == "compact":
                    history, start = record["history"], record["start"]
                    if isinstance(history, list) and isinstance(start, int):
                        stored.history = history
                        remap_turns(stored.turns, start)
            except (msgspec.DecodeError, msgspec.ValidationError, KeyError, TypeError):
                continue  # a line torn by a crash, or from a newer version: skip it
        return stored

    def list(self, cwd: str | None) -> list[StoredSession]:
        root = state_home() / "sessions"
        folders = [workspace_dir(cwd)] if cwd else [p for p in root.iterdir() if p.is_dir()] if root.is_dir() else []
        found = []
        for folder in folders:
            for path in folder.glob("*.jsonl"):
                head = _read_head(path)
                if head is not None:
                    found.append(head)
        found.sort(key=lambda s: s.updated_at, reverse=True)
        return found

    def delete(self, cwd: str, session_id: str) -> bool:
        try:
            self.path(cwd, session_id).unlink()
            return True
        except (FileNotFoundError, KeyError):
            return False


def _ends_torn(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            f.seek(0, os.SEEK_END)
            if f.tell() == 0:
                return False
            f.seek(-1, os.SEEK_END)
            return f.read(1) != b"\n"
    except OSError:
        return False


def _decode_change(record: Any) -> Any:
    from ..edits.review import AgentChange, HunksReverted

    kind = HunksReverted if isinstance(record, dict) and "hunks" in record else AgentChange
    return msgspec.convert(record, type=kind)


def _cut(stored: StoredSession, turn: int) -> None:
    """A rewind of the conversation: drop turn `turn` and everything after it."""
    start = next((t for t in stored.turns if t["n"] == turn), None)
    if start is None:
        return
    del stored.history[start["messages"]:]
    del stored.updates[start["updates"]:]
    stored.turns = [t for t in stored.turns if t["n"] < turn]


def remap_turns(turns: list[dict[str, int]], start: int) -> None:
    """Turn records point into the history: after a compaction the ones at or before `start` point just after the
    summary and its acknowledgement (rewinding to them keeps the summary: a compaction cannot be undone), later ones
    move with their messages."""
    for turn in turns:
        turn["messages"] = 2 if turn["messages"] <= start else turn["messages"] - start + 2


def _read_head(path: Path) -> StoredSession | None:
    """Meta and title from the start of a file, without reading the whole history."""
    try:
        with path.open("rb") as f:
            head = f.read(HEAD_BYTES)
        mtime = path.stat().st_mtime
    except OSError:
        return None
    meta: dict[str, Any] = {}
    title = None
    for line in head.split(b"\n"):
        if line.startswith(b'{"k":"meta"') or line.startswith(b'{"k":"title"'):
            try:
                record = _decode_record(line)
            except msgspec.DecodeError:
                continue
            if record["k"] == "meta":
                meta.update(record)
            else:
                title = record["title"]
    if "sessionId" not in meta:
        return None
    return StoredSession(meta["sessionId"], meta.get("cwd", ""), meta, title, updated_at=mtime)


def iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))
