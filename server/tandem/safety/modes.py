"""Session hooks of the safety layer: which modes a session offers, and the notices shown when it starts."""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import TYPE_CHECKING, Any

import msgspec
from tandem_protocol import AgentMessageChunk, SessionConfigOption, SessionModeState, TextContent

from ..agent.config import InvalidSetting, SessionConfig

if TYPE_CHECKING:
    from .permissions import Policy

log = logging.getLogger(__name__)

BYPASS = "bypassPermissions"
NO_BYPASS = (f"{BYPASS} is not available: commands cannot be sandboxed here (bubblewrap is missing or does not "
             "work). Install bubblewrap and start a new session to use it.")


class UnsandboxedConfig(SessionConfig):
    """A session's settings when commands cannot be sandboxed: bypassPermissions is neither offered nor accepted."""

    def mode_state(self) -> SessionModeState:
        state = super().mode_state()
        state.available_modes = [m for m in state.available_modes if m.id != BYPASS]
        return state

    def set_mode(self, mode: str) -> None:
        if mode == BYPASS:
            raise InvalidSetting(NO_BYPASS)
        super().set_mode(mode)

    def options(self) -> list[SessionConfigOption]:
        out = super().options()
        for option in out:
            if option.id == "mode" and isinstance(option.options, list):
                option.options = [o for o in option.options if getattr(o, "value", None) != BYPASS]
        return out


def restrict_modes(config: SessionConfig, policy: Policy) -> SessionConfig:
    """`config` itself when the sandbox is on; otherwise a copy that offers no bypassPermissions (a session
    that was in it falls back to default, with a notice)."""
    if policy.sandbox is not None or isinstance(config, UnsandboxedConfig):
        return config
    fields = msgspec.structs.asdict(config)
    if fields.get("mode") == BYPASS:
        fields["mode"] = "default"
        policy.notices.append(f"The session is in the default mode: {NO_BYPASS}")
    return UnsandboxedConfig(**fields)


def announce(session: Any, shown: set[str]) -> None:
    """Show the policy's notices (settings errors, no sandbox) to the user once per connection: as agent message
    chunks marked `_meta.tandem.notice`, sent after the answer to session/new or session/load."""
    notices = [n for n in session.policy.notices if n not in shown]
    session.policy.notices.clear()
    if not notices:
        return
    shown.update(notices)

    def emit() -> None:
        for text in notices:
            try:
                session.emit(AgentMessageChunk(content=TextContent(text=f"⚠️ {text}\n\n"),
                                               message_id=f"notice_{uuid.uuid4().hex[:16]}",
                                               meta={"tandem": {"notice": "safety"}}))
            except Exception:  # the session closed meanwhile: the notice was logged to stderr already
                log.debug("notice not shown", exc_info=True)

    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        emit()
        return
    # Two hops: the doors write the answer in the handler's step (ACP) or in its done-callback (LSP).
    loop.call_soon(lambda: loop.call_soon(emit))
