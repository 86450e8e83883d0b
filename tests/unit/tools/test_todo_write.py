"""TodoWrite: plan entries, defaults, the one-in-progress warning."""

from __future__ import annotations

import json

import msgspec
import pytest
from tandem_protocol import PlanEntry

from tandem.tools.base import input_schema
from tandem.tools.todo_write import TodoWrite

TODO = TodoWrite()


async def test_publishes_the_plan(ctx, run):
    res = await run(
        TODO,
        ctx,
        todos=[
            {"content": "Read the code", "status": "completed", "activeForm": "Reading the code", "priority": "high"},
            {"content": "Fix the bug", "status": "in_progress", "activeForm": "Fixing the bug"},
            {"content": "Run the tests", "status": "pending"},
        ],
    )
    assert not res.is_error and "updated" in res.output and "Note" not in res.output
    assert res.content == []
    (plan,) = ctx.plans
    assert plan == [
        PlanEntry(content="Read the code", status="completed", priority="high",
                  meta={"tandem": {"activeForm": "Reading the code"}}),
        PlanEntry(content="Fix the bug", status="in_progress", priority="medium",
                  meta={"tandem": {"activeForm": "Fixing the bug"}}),
        PlanEntry(content="Run the tests", status="pending", priority="medium"),
    ]
    assert "_meta" not in json.loads(msgspec.json.encode(plan[2]))


async def test_warns_on_several_in_progress(ctx, run):
    todos = [{"content": "a", "status": "in_progress"}, {"content": "b", "status": "in_progress"}]
    res = await run(TODO, ctx, todos=todos)
    assert not res.is_error and "2 tasks are in_progress" in res.output
    assert len(ctx.plans[0]) == 2


async def test_empty_list_clears_the_plan(ctx, run):
    res = await run(TODO, ctx, todos=[])
    assert not res.is_error and ctx.plans == [[]]


def test_bad_status_is_a_validation_error():
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"todos": [{"content": "a", "status": "done"}]}, TodoWrite.Input)
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"todos": [{"content": "", "status": "pending"}]}, TodoWrite.Input)


def test_title_and_schema():
    inp = msgspec.convert(
        {"todos": [{"content": "a", "status": "completed"}, {"content": "b", "status": "pending"}]}, TodoWrite.Input
    )
    assert TODO.title(inp) == "Update plan (1/2 done)"
    assert TODO.mutates is False and TODO.kind == "think"
    schema = input_schema(TodoWrite.Input)
    item = schema["properties"]["todos"]["items"]
    assert set(item["properties"]) == {"content", "status", "activeForm", "priority"}
    assert item["required"] == ["content", "status"]
    assert "$ref" not in json.dumps(schema)
    assert len(json.dumps(schema)) + len(TodoWrite.description) < 1500
