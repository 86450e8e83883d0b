"""A session: its history, mode and settings, the running turn, and the updates it streams and stores."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from tandem_protocol import (
    AgentMessageChunk,
    ConfigOptionUpdate,
    Cost,
    CurrentModeUpdate,
    PlanUpdate,
    SessionInfoUpdate,
    TextContent,
    UsageDetail,
    UsageUpdate,
    UserMessageChunk,
)

from ..agent.config import SessionConfig, cost_usd
from ..agent.loop import run_turn
from ..agent.model import Model, ModelError, ModelReply, ModelRequest
from ..agent.prompts import system_blocks
from ..safety.permissions import Policy
from ..tools import ALL_TOOLS
from ..tools.base import PermissionAsk, Tool, input_schema
from ..workspace import Workspace
from ..edits.pending import PendingEdits
from .channel import ClientChannel
from .compaction import compact, maybe_compact, prompt_index
from .edit_flow import EditFlow
from .prompt_content import prompt_to_content, title_from
from .store import SessionLog, iso
from .streaming import ChunkStreamer, new_id
from .tool_runner import run_tool_block

log = logging.getLogger(__name__)


class TurnInProgress(RuntimeError):
    """A prompt arrived while the session's previous turn is still running."""


class Session:
    """One conversation with the agent in one workspace. Knows no transport: it talks to a ClientChannel."""

    def __init__(self, *, session_id: str, workspace: Workspace, config: SessionConfig, channel: ClientChannel,
                 log_file: SessionLog, model: Model, policy: Policy, pending: PendingEdits | None = None,
                 history: list[dict[str, Any]] | None = None, title: str | None = None,
                 changes: list[Any] | None = None, turns: list[dict[str, int]] | None = None,
                 update_count: int = 0, context_used: int = 0) -> None:
        self.id = session_id
        self.workspace = workspace
        self.cwd = str(workspace.root)
        self.config = config
        self.channel = channel
        self.log = log_file
        self.model = model
        self.policy = policy
        self.history: list[dict[str, Any]] = history or []
        self.title = title
        self.read_files: dict[str, str] = {}
        self.all_tools: dict[str, Tool] = {t.name: t for t in ALL_TOOLS}
        self.sink = ChunkStreamer(self.emit)
        self.cost = 0.0
        self.totals = {"input": 0, "output": 0}
        self.unattended_refusal = _default_refusal
        self.turns: list[dict[str, int]] = list(turns or [])  # where each turn began (for rewind)
        self.turn = self.turns[-1]["n"] if self.turns else 0
        self.update_count = update_count  # update records in the log, so a rewind knows where to cut
        self.edits = EditFlow(self, pending or PendingEdits(), changes)
        self._turn: asyncio.Task[str] | None = None
        self.context_used = context_used  # tokens in context at the last model call: compaction watches it
        self.plan: list[Any] | None = None  # the latest TodoWrite plan, kept in a compaction's summary
        self.last_compaction_s = 0.0

    # ---- streaming out ------------------------------------------------------------------------

    def emit(self, update: Any, batch: bool = False) -> None:
        """Send an update to the client and append it to the session file (chunks in batches)."""
        self.channel.send_update(self.id, update)
        self.log.update(update, batch=batch)
        self.update_count += 1

    def set_plan(self, entries: list) -> None:
        self.plan = entries
        self.emit(PlanUpdate(entries=entries))

    def set_mode(self, mode: str) -> None:
        self.config.set_mode(mode)
        self.log.meta(config=_config_dict(self.config))
        self.emit(CurrentModeUpdate(current_mode_id=mode))

    def set_option(self, config_id: str, value: str | bool) -> None:
        before = self.config.mode
        self.config.set_option(config_id, value)
        self.log.meta(config=_config_dict(self.config))
        if self.config.mode != before:
            self.emit(CurrentModeUpdate(current_mode_id=self.config.mode))
        self.emit(ConfigOptionUpdate(config_options=self.config.options()))

    # ---- a turn -------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._turn is not None and not self._turn.done()

    async def prompt(self, blocks: list[Any]) -> str:
        """Run one turn for the user's prompt; returns the ACP stop reason."""
        if self.busy:
            raise TurnInProgress(f"Session {self.id} is already running a turn; cancel it or wait")
        content = await asyncio.to_thread(prompt_to_content, blocks, self.workspace)
        self.turn += 1
        self.turns.append({"n": self.turn, "messages": len(self.history), "updates": self.update_count})
        self.log.turn(self.turn, len(self.history), self.update_count)
        message_id = new_id("user")
        for block in blocks:
            self.log.update(UserMessageChunk(content=block, message_id=message_id))
            self.update_count += 1
        if self.title is None:
            self.title = title_from(blocks)
            self.log.title(self.title)
            self.emit(SessionInfoUpdate(title=self.title, updated_at=iso(time.time())))
        if self.history and self.history[-1]["role"] == "user":
            self.history[-1] = {"role": "user", "content": _as_list(self.history[-1]["content"]) + content}
        else:
            self.history.append({"role": "user", "content": content})
        self.log.message({"role": "user", "content": content})
        return await self._in_turn(self._run_turn())

    async def _in_turn(self, work: Any) -> str:
        """Run `work` as the session's turn: `busy` while it runs, ended early by cancel()."""
        self._turn = asyncio.create_task(work)
        try:
            return await self._turn
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                self._turn.cancel()
                raise
            return "cancelled"

    # ---- slash-command actions: /compact and /retry -----------------------------------------------

    async def run_action(self, action: str, argument: str, blocks: list[Any]) -> str:
        """A session action typed as a slash command. The command is kept in the log, so a replay shows it."""
        if self.busy:
            raise TurnInProgress(f"Session {self.id} is already running a turn; cancel it or wait")
        message_id = new_id("user")
        for block in blocks:
            self.log.update(UserMessageChunk(content=block, message_id=message_id))
            self.update_count += 1
        if action == "compact":
            return await self._in_turn(self._compact_now(argument))
        if action == "retry":
            start = prompt_index(self.history)
            if start is None:
                self._notice("_There is no prompt to retry yet._\n\n", "retry")
                return "end_turn"
            if len(self.history) > start + 1:  # what the failed (or finished) turn added after the prompt goes
                del self.history[start + 1:]
                self.log.truncate(start + 1)
            return await self._in_turn(self._run_turn())
        raise ValueError(f"unknown action {action!r}")

    async def _compact_now(self, focus: str) -> str:
        try:
            if not await compact(self, trigger="manual", focus=focus):
                self._notice("_Nothing to compact: the conversation has no earlier turns to summarise._\n\n",
                             "compaction")
        finally:
            self.log.flush()
        return "end_turn"

    def _notice(self, text: str, kind: str) -> None:
        self.emit(AgentMessageChunk(content=TextContent(text=text), message_id=new_id("notice"),
                                    meta={"tandem": {"notice": kind}}))

    async def before_model_call(self, history: list[dict[str, Any]]) -> None:
        """The loop calls this before each model call: compact first when the context window is filling."""
        await maybe_compact(self, history)

    async def _run_turn(self) -> str:
        try:
            return await run_turn(self, self.history)
        except ModelError as e:
            self.sink.flush()
            self.emit(AgentMessageChunk(content=TextContent(text=f"\n\n**Error:** {e}"), message_id=new_id("error"),
                                        meta={"tandem": {"error": type(e).__name__}}))
            return "end_turn"
        finally:
            self.sink.flush()
            self.log.flush()

    def cut_conversation(self, turn: int) -> None:
        """Drop turn `turn` and the later ones from the conversation (the log keeps a record, so load agrees)."""
        start = next((t for t in self.turns if t["n"] == turn), None)
        if start is None:
            return
        del self.history[start["messages"]:]
        self.turns = [t for t in self.turns if t["n"] < turn]
        self.turn = turn - 1
        self.update_count = start["updates"]
        self.log.rewind(turn)

    def cancel(self) -> None:
        if self.busy:
            self._turn.cancel()

    async def close(self) -> None:
        if self.busy:
            self._turn.cancel()
            try:
                await self._turn
            except BaseException:
                pass
        self.log.close()

    # ---- TurnHost -----------------------------------------------------------------------------

    def offered_tools(self) -> dict[str, Tool]:
        """Plan mode is enforced here: tools that write or execute are not offered at all."""
        plan = self.config.mode == "plan"
        return {n: t for n, t in self.all_tools.items()
                if not (plan and t.mutates) and (plan or n != "ExitPlanMode")}

    def build_request(self, history: list[dict[str, Any]]) -> ModelRequest:
        tools = [{"name": t.name, "description": t.description, "input_schema": _schema(t)}
                 for t in self.offered_tools().values()]
        if tools:
            tools[-1] = {**tools[-1], "cache_control": {"type": "ephemeral"}}
        system = system_blocks(self.workspace.root, self.config.mode == "plan")
        system[0] = {**system[0], "cache_control": {"type": "ephemeral"}}
        messages = list(history)
        if messages:  # a moving breakpoint on the newest block caches the whole conversation so far
            last = messages[-1]
            blocks = _as_list(last["content"])
            if blocks:
                blocks = blocks[:-1] + [{**blocks[-1], "cache_control": {"type": "ephemeral"}}]
            messages[-1] = {**last, "content": blocks}
        return ModelRequest(model=self.config.model, system=system, messages=messages, tools=tools,
                            max_tokens=self.config.max_tokens, effort=self.config.effort)

    def begin_message(self) -> None:
        self.sink.begin()

    def partial_text(self) -> str:
        return self.sink.partial_text()

    def record(self, message: dict[str, Any]) -> None:
        self.log.message(message)

    def on_reply(self, reply: ModelReply) -> None:
        self.sink.flush()
        usage = reply.usage
        info = self.config.model_info()
        self.cost += cost_usd(info, usage)
        self.totals["input"] += usage.get("input_tokens", 0)
        self.totals["output"] += usage.get("output_tokens", 0)
        used = sum(usage.get(k, 0) for k in ("input_tokens", "cache_read_input_tokens",
                                            "cache_creation_input_tokens", "output_tokens"))
        self.context_used = used
        detail = UsageDetail(input_tokens=usage.get("input_tokens", 0), output_tokens=usage.get("output_tokens", 0),
                             cache_read_input_tokens=usage.get("cache_read_input_tokens", 0),
                             cache_creation_input_tokens=usage.get("cache_creation_input_tokens", 0),
                             total_input_tokens=self.totals["input"], total_output_tokens=self.totals["output"],
                             model=self.config.model)
        self.emit(UsageUpdate(used=used, size=info.context, cost=Cost(amount=round(self.cost, 6), currency="USD"),
                              meta={"tandem": detail}))

    async def run_tool(self, block: dict[str, Any]) -> dict[str, Any]:
        return await run_tool_block(self, block)


_SCHEMAS: dict[str, dict[str, Any]] = {}


def _schema(tool: Tool) -> dict[str, Any]:
    if tool.name not in _SCHEMAS:
        _SCHEMAS[tool.name] = input_schema(tool.Input)
    return _SCHEMAS[tool.name]


def _as_list(content: Any) -> list[dict[str, Any]]:
    return [{"type": "text", "text": content}] if isinstance(content, str) else list(content)


def _config_dict(config: SessionConfig) -> dict[str, Any]:
    return {"mode": config.mode, "model": config.model, "effort": config.effort, "maxTokens": config.max_tokens}


def _default_refusal(ask: PermissionAsk) -> str:
    return f"{ask.tool} needs the user's permission and no one can be asked."


