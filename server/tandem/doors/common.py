"""What both doors say the same way: the ACP `initialize` result (Tandem's honest agent capabilities)."""

from __future__ import annotations

import os

from tandem_protocol import (
    AgentCapabilities,
    Empty,
    Implementation,
    InitializeResponse,
    PromptCapabilities,
    SessionCapabilities,
)


def acp_initialize_result(protocol_version: int, version: str) -> InitializeResponse:
    return InitializeResponse(
        protocol_version=protocol_version,
        agent_capabilities=AgentCapabilities(
            load_session=True,
            prompt_capabilities=PromptCapabilities(image=True, embedded_context=True),
            session_capabilities=SessionCapabilities(list=Empty(), resume=Empty(), close=Empty(), delete=Empty()),
        ),
        agent_info=Implementation(name="tandem", title="Tandem", version=version),
    )


MAX_MESSAGE_BYTES = 256 * 2**20


def max_message_bytes() -> int:
    """The largest message a door reads whole (TANDEM_MAX_MESSAGE_BYTES); a larger one is dropped with an error."""
    try:
        return max(1024, int(os.environ["TANDEM_MAX_MESSAGE_BYTES"]))
    except (KeyError, ValueError):
        return MAX_MESSAGE_BYTES
