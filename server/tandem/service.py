"""The agent's side of the protocol, transport-free: one method per ACP method, shared by every door."""

from __future__ import annotations

import asyncio
import logging

import msgspec
import os
import uuid
from pathlib import Path
from typing import Any, Callable

from tandem_protocol import (
    AgentMessageChunk,
    AvailableCommandsUpdate,
    CompactionUpdate,
    EmbeddedResource,
    EmptyResult,
    InlineEditParams,
    InlineEditResult,
    PendingHunksParams,
    ReviewedFile,
    ReviewListParams,
    ReviewListResult,
    ReviewRevertParams,
    RevertResult,
    RewindParams,
    TextContent,
    TextResourceContents,
    UsageUpdate,
    ListSessionsRequest,
    ListSessionsResponse,
    LoadSessionRequest,
    LoadSessionResponse,
    NewSessionRequest,
    NewSessionResponse,
    PromptRequest,
    PromptResponse,
    ResumeSessionRequest,
    ServerInfoResult,
    SessionIdParams,
    SessionInfo,
    SetSessionConfigOptionRequest,
    SetSessionConfigOptionResponse,
    SetSessionModeRequest,
)

from . import __version__
from .agent.config import InvalidSetting, SessionConfig
from .agent.model import AnthropicModel, Model
from .errors import InvalidParams, InvalidRequest, NotFound
from .handlers import HANDLERS  # noqa: F401  (re-exported for the doors)
from .safety.modes import announce, restrict_modes
from .safety.permissions import Policy, policy_for
from .safety.sandbox import detect_in_background
from .sessions import commands
from .sessions.channel import ClientChannel
from .edits.diff import to_unified
from .edits.pending import PendingEdits
from .sessions.edit_flow import hunk_info
from .sessions.history import interrupted_update, repair_history, unfinished_tool_calls
from .sessions.prompt_content import uri_to_path
from .sessions.session import Session, TurnInProgress
from .sessions.store import SessionStore, iso, state_home
from .workspace import Buffer, Workspace

log = logging.getLogger(__name__)



class AgentService:
    """Owns the sessions of one client connection."""

    def __init__(self, channel: ClientChannel, *, model: Model | None = None, store: SessionStore | None = None,
                 policy_factory: Callable[[Path], Policy] = policy_for, buffers: dict[str, Buffer] | None = None,
                 watch_disk: bool = True) -> None:
        self.channel = channel
        # the watcher keeps pending proposals in step with the disk while a user reviews them; without a reviewer
        # (`tandem ask`: a proposal is answered at once) it would only cost its imports and the inotify walk
        self.watch_disk = watch_disk
        detect_in_background()
        self.model = model or AnthropicModel()
        self.store = store or SessionStore()
        self.policy_factory = policy_factory
        self.sessions: dict[str, Session] = {}
        self.buffers: dict[str, Buffer] = {} if buffers is None else buffers
        self._workspaces: dict[str, Workspace] = {}
        self._warming: asyncio.Task[None] | None = None
        self._warmed = 0  # 1: the SDK import started, 2: the client's build too
        self.pending = PendingEdits()
        self._watchers: list[Any] = []
        self.disk_listeners: list[Callable[[str], None]] = []  # benchmarks and tests hook in here
        self.pending.on_change = self._publish_hunks
        self.pending.on_rebase = lambda p: p.session_id in self.sessions and self.sessions[p.session_id].edits.refresh(p)
        self.default_mode = "default"
        self.configure_session: Callable[[Session], None] = lambda s: None
        self._notices_shown: set[str] = set()

    # ---- helpers ------------------------------------------------------------------------------

    @staticmethod
    def project_root(cwd: str) -> str:
        """`cwd` resolved, or InvalidParams (changing nothing) unless it is an existing folder other than the
        filesystem's root: a session's folder gets a watcher on every directory below it."""
        if not os.path.isabs(cwd):
            raise InvalidParams(f"cwd must be an absolute path, got {cwd!r}")
        if not os.path.isdir(cwd):
            missing = "" if os.path.exists(cwd) else " (it does not exist)"
            raise InvalidParams(f"cwd is not a directory: {cwd}{missing}")
        root = Path(cwd).resolve()
        if root == Path(root.anchor):
            raise InvalidParams(f"cwd is the filesystem root ({root}): open a project folder instead")
        return str(root)

    def workspace(self, cwd: str) -> Workspace:
        key = self.project_root(cwd)
        if key not in self._workspaces:
            self._workspaces[key] = Workspace(key, self.buffers)
            if self.watch_disk:
                self._watch(self._workspaces[key])
        return self._workspaces[key]

    def _watch(self, ws: Workspace) -> None:
        """Files changed on disk by other programs: pending proposals on them are rebased (or go stale)."""
        from .watcher import WorkspaceWatcher

        def changed(path: str) -> None:
            if path in self.pending.paths() and not ws.is_open(path):
                try:
                    text = ws.read_text(path)
                except (OSError, ValueError):
                    return
                self.pending.text_changed(path, text)
            for listener in self.disk_listeners:
                listener(path)

        watcher = WorkspaceWatcher(ws.root, changed)
        self._watchers.append(watcher)
        watcher.start()

    def session(self, session_id: str) -> Session:
        try:
            return self.sessions[session_id]
        except KeyError:
            raise NotFound(f"Unknown session: {session_id!r} (create one with session/new or open it with "
                           f"session/load)") from None

    def _warm_model(self, *, client: bool = False) -> None:
        """Import the model SDK in the background (after `initialize`); build its client too once a session is open
        (another 3 MiB and 35 ms of TLS set-up that an idle server need not carry)."""
        warm, stage = getattr(self.model, "warm", None), 2 if client else 1
        if warm is None or stage <= self._warmed:
            return
        self._warmed = stage
        self._warming = asyncio.create_task(warm(client=client))
        self._warming.add_done_callback(lambda t: t.cancelled() or t.exception())

    def _make_session(self, session_id: str, ws: Workspace, config: SessionConfig, **kw: Any) -> Session:
        policy = self.policy_factory(ws.root)  # settings files and sandbox, read per session
        config = restrict_modes(config, policy)
        session = Session(session_id=session_id, workspace=ws, config=config, channel=self.channel,
                          log_file=self.store.open_log(str(ws.root), session_id), model=self.model,
                          policy=policy, pending=self.pending, **kw)
        self.configure_session(session)
        self.sessions[session_id] = session
        announce(session, self._notices_shown)
        return session

    # ---- session lifecycle --------------------------------------------------------------------

    async def new_session(self, params: NewSessionRequest) -> NewSessionResponse:
        ws = self.workspace(params.cwd)
        config = SessionConfig(mode=self.default_mode)
        session_id = "ses_" + uuid.uuid4().hex[:20]
        session = self._make_session(session_id, ws, config)
        config = session.config
        session.log.meta(sessionId=session_id, cwd=str(ws.root), createdAt=iso(_now()),
                         config={"mode": config.mode, "model": config.model, "effort": config.effort,
                                 "maxTokens": config.max_tokens})
        self._warm_model(client=True)
        self._advertise_commands(session_id)
        return NewSessionResponse(session_id=session_id, modes=config.mode_state(), config_options=config.options())

    async def _open(self, session_id: str, cwd: str, replay: bool) -> LoadSessionResponse:
        root = self.project_root(cwd)
        if session_id not in self.sessions and not self.store.exists(root, session_id):  # before a watcher starts
            raise NotFound(f"Unknown session: {session_id!r} (no stored session in {cwd})")
        ws = self.workspace(cwd)
        live = self.sessions.get(session_id)
        if live is not None and live.cwd != str(ws.root):
            raise InvalidParams(f"Session {session_id} belongs to {live.cwd}, not {ws.root}")
        if live is not None:
            live.log.flush()
        if not self.store.exists(str(ws.root), session_id):
            raise NotFound(f"Unknown session: {session_id!r} (no stored session in {ws.root})")
        stored = await asyncio.to_thread(self.store.load, str(ws.root), session_id)
        session = live
        if session is None:
            saved = stored.meta.get("config") or {}
            config = SessionConfig()
            for key, wire in (("mode", "mode"), ("model", "model"), ("effort", "effort"), ("max_tokens", "maxTokens")):
                if wire in saved:
                    try:
                        config.set_option(key, saved[wire])
                    except InvalidSetting:
                        pass
            session = self._make_session(session_id, ws, config, history=repair_history(stored.history, stored.updates),
                                         title=stored.title, changes=stored.changes, turns=stored.turns,
                                         update_count=len(stored.updates), context_used=_last_used(stored.updates))
        if replay:
            rich = bool(getattr(self.channel, "supports_compaction", False))
            for update in stored.updates:
                if isinstance(update, CompactionUpdate) and not rich:
                    update = _compaction_notice(update)
                    if update is None:
                        continue
                self.channel.send_update(session_id, update)
        if live is None:
            for call_id in unfinished_tool_calls(stored.updates):
                session.emit(interrupted_update(call_id))
        self._warm_model(client=True)
        self._advertise_commands(session_id)
        return LoadSessionResponse(modes=session.config.mode_state(), config_options=session.config.options())

    async def load_session(self, params: LoadSessionRequest) -> LoadSessionResponse:
        return await self._open(params.session_id, params.cwd, replay=True)

    async def resume_session(self, params: ResumeSessionRequest) -> LoadSessionResponse:
        return await self._open(params.session_id, params.cwd, replay=False)

    async def list_sessions(self, params: ListSessionsRequest) -> ListSessionsResponse:
        cwd = params.cwd if isinstance(params.cwd, str) else None
        if cwd is not None:
            cwd = str(Path(cwd).resolve())
        stored = await asyncio.to_thread(self.store.list, cwd)
        return ListSessionsResponse(sessions=[
            SessionInfo(session_id=s.session_id, cwd=s.cwd, title=s.title or "New session", updated_at=iso(s.updated_at))
            for s in stored])

    async def close_session(self, params: SessionIdParams) -> EmptyResult:
        session = self.session(params.session_id)
        del self.sessions[params.session_id]
        await session.close()
        return EmptyResult()

    async def delete_session(self, params: SessionIdParams) -> EmptyResult:
        session = self.sessions.pop(params.session_id, None)
        cwd = session.cwd if session else None
        if session:
            await session.close()
        deleted = False
        if cwd:
            deleted = self.store.delete(cwd, params.session_id)
        else:
            for stored in await asyncio.to_thread(self.store.list, None):
                if stored.session_id == params.session_id:
                    deleted = self.store.delete(stored.cwd, params.session_id)
        if not deleted and session is None:
            raise NotFound(f"Unknown session: {params.session_id!r}")
        return EmptyResult()

    # ---- turns and settings -------------------------------------------------------------------

    async def prompt(self, params: PromptRequest) -> PromptResponse:
        """A turn; a prompt that starts with a slash command (sessions/commands.py) is expanded or run first."""
        session = self.session(params.session_id)
        blocks, command = commands.expand(params.prompt)
        try:
            if command is not None and command.action:
                parsed = commands.parse(params.prompt)
                argument = parsed[1] if parsed else ""
                return PromptResponse(stop_reason=await session.run_action(command.action, argument, params.prompt))
            if command is not None and command.mode and not session.busy:
                session.set_mode(command.mode)
            return PromptResponse(stop_reason=await session.prompt(blocks))
        except TurnInProgress as e:
            raise InvalidRequest(str(e)) from None

    def _advertise_commands(self, session_id: str) -> None:
        """`available_commands_update`, sent after the answer to session/new, load or resume: the doors write a
        handler's answer when it returns (pygls in a done callback), so two hops of the loop put this behind it."""
        def send() -> None:
            if session_id in self.sessions:
                self.channel.send_update(session_id, AvailableCommandsUpdate(available_commands=commands.advertised()))

        loop = asyncio.get_running_loop()
        loop.call_soon(loop.call_soon, send)

    async def cancel(self, params: SessionIdParams) -> None:
        session = self.sessions.get(params.session_id)
        if session is not None:  # a notification: unknown sessions are ignored
            session.cancel()

    async def set_mode(self, params: SetSessionModeRequest) -> EmptyResult:
        session = self.session(params.session_id)
        try:
            session.set_mode(params.mode_id)
        except InvalidSetting as e:
            raise InvalidParams(str(e)) from None
        return EmptyResult()

    async def set_config_option(self, params: SetSessionConfigOptionRequest) -> SetSessionConfigOptionResponse:
        session = self.session(params.session_id)
        try:
            session.set_option(params.config_id, params.value)
        except InvalidSetting as e:
            raise InvalidParams(str(e)) from None
        return SetSessionConfigOptionResponse(config_options=session.config.options())

    async def info(self, params: Any) -> ServerInfoResult:
        return ServerInfoResult(version=__version__, state_dir=str(state_home()), model=SessionConfig().model,
                                api_key_present=bool(getattr(self.model, "api_key", None)), sandbox=_sandbox_name())

    # ---- edits: pending hunks, review, rewind, inline edit -----------------------------------

    def text_changed(self, path: str, text: str) -> None:
        """The editor's buffer (or the disk) changed: pending proposals on that file are rebased or go stale."""
        self.pending.text_changed(path, text)

    def _publish_hunks(self, path: str) -> None:
        publish = getattr(self.channel, "pending_hunks", None)
        if publish is None:
            return
        pendings = self.pending.for_path(path)
        hunks = [hunk_info(h) for p in pendings for h in p.open_hunks()]
        sessions = {p.session_id for p in pendings}
        # proposals of two sessions on one file: no session id, so that Accept All decides both, not the first's
        publish(PendingHunksParams(uri=Path(path).as_uri(), path=path, hunks=hunks,
                                   session_id=sessions.pop() if len(sessions) == 1 else "",
                                   tool_call_id=pendings[0].tool_call_id if len(pendings) == 1 else msgspec.UNSET))

    async def decide_hunks(self, session_id: str | None, path: str, hunk_ids: list[str] | None,
                           accept: bool) -> str | None:
        return await self.pending.decide(session_id or None, path, hunk_ids, accept)

    async def review_list(self, params: ReviewListParams) -> ReviewListResult:
        session = self.session(params.session_id)
        review = session.edits.review
        files = []
        for path in review.paths():
            baseline = review.baseline(path)
            now = session.edits._current(Path(path))
            diff = to_unified(path, _hunks(baseline or "", now or ""))
            files.append(ReviewedFile(path=path, uri=Path(path).as_uri(), diff=diff, created=baseline is None,
                                      hunks=[hunk_info(h) for h in review.agent_hunks(path)],
                                      turns=review.turns(path)))
        return ReviewListResult(files=files)

    async def review_revert(self, params: ReviewRevertParams) -> RevertResult:
        session = self.session(params.session_id)
        path = uri_to_path(params.path) if params.path.startswith("file:") else params.path
        if not path or path not in session.edits.review.paths():
            raise InvalidParams(f"The session did not change {params.path}")
        ids = params.hunk_ids if isinstance(params.hunk_ids, list) else None
        reverted, conflicts = await session.edits.revert(path, ids)
        return _revert_result(reverted, conflicts)

    async def rewind(self, params: RewindParams) -> RevertResult:
        session = self.session(params.session_id)
        if session.busy:
            raise InvalidRequest("Cancel the running turn before rewinding")
        if not 1 <= params.turn <= max(session.turn, 1):
            raise InvalidParams(f"turn must be between 1 and {session.turn}")
        reverted, conflicts = await session.edits.rewind(params.turn)
        if params.conversation:
            session.cut_conversation(params.turn)
        return _revert_result(reverted, conflicts)

    async def inline_edit(self, params: InlineEditParams) -> InlineEditResult:
        path = uri_to_path(params.uri)
        if not path:
            raise InvalidParams(f"Not a file URI: {params.uri}")
        if isinstance(params.session_id, str):
            session = self.session(params.session_id)
        elif not os.path.isfile(path):  # before a session (and a watcher) starts in its folder
            raise InvalidParams(f"Not a file: {path}")
        else:
            ws = next((w for w in self._workspaces.values() if w.contains(path)), None)
            created = await self.new_session(NewSessionRequest(cwd=str(ws.root if ws else Path(path).parent),
                                                               mcp_servers=[]))
            session = self.sessions[created.session_id]
        text = session.workspace.read_text(path)
        start, end = params.range.get("start", {}), params.range.get("end", {})
        lines = text.splitlines(keepends=True)
        first, last = int(start.get("line", 0)), int(end.get("line", 0))
        selection = "".join(lines[first:last + 1])
        uri = f"{Path(path).as_uri()}#L{first + 1}-L{last + 1}"
        blocks = [TextContent(text=params.instruction),
                  EmbeddedResource(resource=TextResourceContents(uri=uri, text=selection))]
        stop = await session.prompt(blocks)
        return InlineEditResult(session_id=session.id, stop_reason=stop)

    async def shutdown(self) -> None:
        for session in list(self.sessions.values()):
            await session.close()
        self.sessions.clear()
        for watcher in self._watchers:
            await watcher.stop()


def _last_used(updates: list[Any]) -> int:
    """Context tokens at the last model call of a stored session (its last usage_update), so compaction knows."""
    for update in reversed(updates):
        if isinstance(update, UsageUpdate):
            return update.used
    return 0


def _compaction_notice(update: CompactionUpdate) -> AgentMessageChunk | None:
    """A stored compaction_update, replayed to a client that did not advertise `session.compaction`."""
    if update.status != "completed":
        return None
    meta = update.meta if isinstance(update.meta, dict) else {}
    info = meta.get("tandem") if isinstance(meta.get("tandem"), dict) else {}
    text = "_Compacted the conversation into a summary._\n\n"
    summary = "".join(getattr(b, "text", "") for b in update.summary) if isinstance(update.summary, list) else ""
    return AgentMessageChunk(content=TextContent(text=text), message_id=update.compaction_id,
                             meta={"tandem": {**info, "notice": "compaction", "summary": summary}})


def _hunks(old: str, new: str):
    from .edits.diff import compute_hunks

    return compute_hunks(old, new)


def _revert_result(reverted: list[str], conflicts: dict[str, str]) -> RevertResult:
    if not reverted and not conflicts:
        return RevertResult(reverted=[], conflicts=[], message="Nothing to revert: those changes are already undone.")
    parts = [f"Restored {len(reverted)} file(s)."] + list(conflicts.values())
    return RevertResult(reverted=reverted, conflicts=list(conflicts), message=" ".join(parts))


def _sandbox_name() -> str:
    from .safety.sandbox import detect

    sandbox, _ = detect()
    return sandbox.name if sandbox is not None else "none"


def _now() -> float:
    import time

    return time.time()
