"""Watches a workspace on disk (watchfiles) so pending edit proposals follow changes other programs make."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Callable

log = logging.getLogger(__name__)

IGNORED_DIRS = {".git", "node_modules", ".venv", "__pycache__", ".mypy_cache", ".pytest_cache", ".tox", "dist",
                "build", ".tools"}


class WorkspaceWatcher:
    """Calls `on_change(path)` for each file written, created or deleted under `root` (about 10 ms after)."""

    def __init__(self, root: Path, on_change: Callable[[str], None], step_ms: int = 10) -> None:
        self.root = root
        self.on_change = on_change
        self.step_ms = step_ms
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, 2)
            except (asyncio.TimeoutError, asyncio.CancelledError):
                self._task.cancel()

    async def _run(self) -> None:
        from watchfiles import DefaultFilter, awatch  # imported when the first session starts, not at startup

        class _Filter(DefaultFilter):
            def __call__(self, change, path: str) -> bool:
                return not (set(Path(path).parts) & IGNORED_DIRS) and super().__call__(change, path)

        try:
            async for changes in awatch(self.root, watch_filter=_Filter(), stop_event=self._stop, step=self.step_ms,
                                        debounce=200, recursive=True, rust_timeout=500, yield_on_timeout=False):
                for _, path in changes:
                    try:
                        self.on_change(path)
                    except Exception:
                        log.exception("watcher callback failed for %s", path)
        except Exception as e:  # e.g. too many inotify watches: degrade to no watching, never crash a session
            log.warning("not watching %s: %s", self.root, e)
