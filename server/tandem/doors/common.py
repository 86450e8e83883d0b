"""What both doors say the same way: the ACP `initialize` result (Tandem's honest agent capabilities)."""

from __future__ import annotations

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
