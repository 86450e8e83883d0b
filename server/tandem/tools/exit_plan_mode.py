"""ExitPlanMode: the model presents its plan and asks the user to leave plan mode (a switch_mode permission)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

import msgspec
from tandem_protocol import ContentToolCallContent, TextContent, ToolCallLocation

from ..workspace import Workspace
from .base import PermissionAsk, ToolContext, ToolResult


class ExitPlanModeInput(msgspec.Struct):
    plan: Annotated[str, msgspec.Meta(description="The plan to show the user, in Markdown. Concise.")]


class ExitPlanMode:
    name: ClassVar[str] = "ExitPlanMode"
    kind: ClassVar[Any] = "switch_mode"
    description: ClassVar[str] = (
        "In plan mode, when the plan is ready: present it and ask the user to approve it and leave plan mode. "
        "Only for plans of changes to make, not for research answers."
    )
    Input: ClassVar[type[msgspec.Struct]] = ExitPlanModeInput
    mutates: ClassVar[bool] = False

    def title(self, inp: ExitPlanModeInput) -> str:
        return "Ready to code? Leave plan mode"

    def locations(self, inp: ExitPlanModeInput, workspace: Workspace) -> list[ToolCallLocation]:
        return []

    async def run(self, inp: ExitPlanModeInput, ctx: ToolContext) -> ToolResult:
        ask = PermissionAsk(tool="ExitPlanMode", kind="switch_mode", title="Approve the plan and start coding?",
                            subject="plan", content=[ContentToolCallContent(content=TextContent(text=inp.plan))])
        decision = await ctx.authorize(ask)
        if not decision.allowed:
            note = f" The user said: {decision.feedback}" if decision.feedback else ""
            return ToolResult(output=f"The user did not approve the plan; stay in plan mode and revise it.{note}")
        await ctx.set_mode("default")  # type: ignore[attr-defined]
        note = f" The user said: {decision.feedback}" if decision.feedback else ""
        return ToolResult(output=f"The user approved the plan. Plan mode is off; go ahead.{note}")
