"""The tool registry: every tool satisfies the protocol, with small, valid, inline schemas."""

from __future__ import annotations

import json

import jsonschema
import msgspec
import pytest

from tandem.tools import ALL_TOOLS, get_tool
from tandem.tools.base import input_schema

MINE = {"Read", "Edit", "Write", "Grep", "Glob", "Bash", "TodoWrite"}


def test_names_unique_and_found():
    names = [t.name for t in ALL_TOOLS]
    assert len(names) == len(set(names))
    assert MINE <= set(names)
    for tool in ALL_TOOLS:
        assert get_tool(tool.name) is tool
    assert get_tool("Nope") is None


@pytest.mark.parametrize("tool", [t for t in ALL_TOOLS if t.name in MINE], ids=lambda t: t.name)
def test_protocol_and_request_size(tool):
    assert tool.kind in {"read", "edit", "search", "execute", "think"}
    assert isinstance(tool.mutates, bool)
    assert tool.mutates == (tool.name in {"Edit", "Write", "Bash"})
    schema = input_schema(tool.Input)
    jsonschema.Draft202012Validator.check_schema(schema)
    text = json.dumps(schema, separators=(",", ":"))
    assert "$ref" not in text and "$defs" not in text
    assert len(text) + len(tool.description) < 2000, f"{tool.name} sends {len(text) + len(tool.description)} bytes"
    for name, prop in _properties(schema):
        assert prop.get("description"), f"{tool.name}.{name} has no description"
    assert tool.__module__.startswith("tandem.tools.")


def _properties(schema):
    for name, prop in schema.get("properties", {}).items():
        yield name, prop
        items = prop.get("items")
        if isinstance(items, dict):
            yield from _properties(items)


def test_unknown_fields_are_ignored():
    inp = msgspec.convert({"file_path": "a", "extra": 1}, get_tool("Read").Input)
    assert inp.file_path == "a"
