"""TodoWrite: the model's task list, published to the client as the session's plan."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

import msgspec
from msgspec import UNSET, UnsetType
from tandem_protocol import PlanEntry, ToolCallLocation, ToolKind

from ..workspace import Workspace
from .base import ToolContext, ToolResult

DESCRIPTION = """\
Creates and updates your task list for this session; the user sees it as your plan.
- Use it for work of 3 or more steps, or when the user asks for several things. Skip it for \
trivial or purely conversational requests.
- Send the whole list every time. Mark a task in_progress before starting it (one at a time) \
and completed as soon as it is done; add tasks as you discover them, drop ones that no longer apply.
- Mark completed only what is fully done: not if tests fail or errors remain."""

D = msgspec.Meta


class Todo(msgspec.Struct, kw_only=True):
    content: Annotated[str, D(min_length=1, description="The task, imperative: 'Run the tests'")]
    status: Annotated[Literal["pending", "in_progress", "completed"], D(description="Progress")]
    active_form: Annotated[str | UnsetType, D(description="Present continuous: 'Running the tests'")] = msgspec.field(
        default=UNSET, name="activeForm"
    )
    priority: Annotated[Literal["high", "medium", "low"] | UnsetType, D(description="Default medium")] = UNSET


class TodoWriteInput(msgspec.Struct, kw_only=True):
    todos: Annotated[list[Todo], D(description="The updated todo list")]


class TodoWrite:
    name: ClassVar[str] = "TodoWrite"
    kind: ClassVar[ToolKind] = "think"
    description: ClassVar[str] = DESCRIPTION
    Input: ClassVar[type[msgspec.Struct]] = TodoWriteInput
    mutates: ClassVar[bool] = False  # only the plan changes: allowed in plan mode too

    def title(self, inp: TodoWriteInput, workspace: Workspace | None = None) -> str:
        done = sum(t.status == "completed" for t in inp.todos)
        return f"Update plan ({done}/{len(inp.todos)} done)" if inp.todos else "Clear plan"

    def locations(self, inp: TodoWriteInput, workspace: Workspace) -> list[ToolCallLocation]:
        return []

    async def run(self, inp: TodoWriteInput, ctx: ToolContext) -> ToolResult:
        entries = [
            PlanEntry(
                content=t.content,
                status=t.status,
                priority=t.priority or "medium",
                # The "-ing" form lets a client label the running task ("Running the tests").
                meta={"tandem": {"activeForm": t.active_form}} if t.active_form else msgspec.UNSET,
            )
            for t in inp.todos
        ]
        ctx.set_plan(entries)
        output = (
            "Todos updated. Keep using the todo list to track your progress, "
            "and proceed with the current task if there is one."
        )
        running = sum(t.status == "in_progress" for t in inp.todos)
        if running > 1:
            output += f"\nNote: {running} tasks are in_progress; keep exactly one in progress at a time."
        # The plan itself is the user's view of this call: no text to show in the tool call.
        return ToolResult(output=output, content=[])
