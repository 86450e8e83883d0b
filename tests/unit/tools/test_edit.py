"""Edit: read-first rule, unique matches, CRLF, permission with diff, the user's final text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tandem.tools.base import Decision, ToolError, input_schema
from tandem.tools.edit import Edit, apply_edit
from tandem.tools.read import Read

EDIT = Edit()
READ = Read()

APP = "def greet(name):\n    return 'Hello ' + name\n\n\nprint(greet('world'))\n"


@pytest.fixture
async def app(ctx, root, run) -> Path:
    path = root / "app.py"
    path.write_text(APP)
    await run(READ, ctx, file_path="app.py")
    return path


async def test_replaces_once_and_asks_with_a_diff(ctx, root, app, run):
    res = await run(EDIT, ctx, file_path="app.py", old_string="'Hello '", new_string="'Hi '")
    assert not res.is_error, res.output
    new = APP.replace("'Hello '", "'Hi '")
    assert app.read_text() == new
    assert ctx.read_files[str(app)] == new
    (ask,) = ctx.asks
    assert ask.tool == "Edit" and ask.kind == "edit" and ask.title == "Edit app.py" and ask.subject == str(app)
    (diff,) = ask.content
    assert diff.path == str(app) and diff.old_text == APP and diff.new_text == new
    assert ctx.writes == [(app, new, APP)]
    assert "has been updated" in res.output
    assert "     2\t    return 'Hi ' + name" in res.output
    assert res.content[0].new_text == new


async def test_must_read_first(ctx, root, run):
    (root / "x.py").write_text("a = 1\n")
    res = await run(EDIT, ctx, file_path="x.py", old_string="1", new_string="2")
    assert res.is_error and "has not been read" in res.output
    assert ctx.asks == [] and (root / "x.py").read_text() == "a = 1\n"


async def test_not_found(ctx, app, run):
    res = await run(EDIT, ctx, file_path="app.py", old_string="nothing like this", new_string="x")
    assert res.is_error and "not found" in res.output and ctx.asks == []


async def test_not_found_hints_line_prefix(ctx, app, run):
    res = await run(EDIT, ctx, file_path="app.py", old_string="     1\tdef greet(name):", new_string="x")
    assert res.is_error and "line-number prefix" in res.output


async def test_not_found_hints_indentation(ctx, app, run):
    res = await run(EDIT, ctx, file_path="app.py", old_string="\treturn 'Hello '  +  name", new_string="x")
    assert res.is_error and "indentation" in res.output and "line 2" in res.output


async def test_not_found_mentions_a_changed_file(ctx, app, run):
    app.write_text("something else\n")
    res = await run(EDIT, ctx, file_path="app.py", old_string="'Hello '", new_string="x")
    assert res.is_error and "changed since you last read it" in res.output


async def test_multiple_matches(ctx, root, run):
    (root / "m.py").write_text("x = 1\ny = 2\nx = 1\n")
    await run(READ, ctx, file_path="m.py")
    res = await run(EDIT, ctx, file_path="m.py", old_string="x = 1", new_string="x = 3")
    assert res.is_error and "Found 2 matches" in res.output and "lines 1, 3" in res.output
    assert "replace_all" in res.output
    res = await run(EDIT, ctx, file_path="m.py", old_string="x = 1", new_string="x = 3", replace_all=True)
    assert not res.is_error and "all 2 occurrences" in res.output
    assert (root / "m.py").read_text() == "x = 3\ny = 2\nx = 3\n"


async def test_same_strings_refused(ctx, app, run):
    res = await run(EDIT, ctx, file_path="app.py", old_string="greet", new_string="greet")
    assert res.is_error and "No changes" in res.output


async def test_crlf_preserved(ctx, root, run):
    path = root / "win.txt"
    path.write_bytes(b"one\r\ntwo\r\nthree\r\n")
    await run(READ, ctx, file_path="win.txt")
    res = await run(EDIT, ctx, file_path="win.txt", old_string="one\ntwo\n", new_string="uno\ndos\nmas\n")
    assert not res.is_error, res.output
    assert path.read_bytes() == b"uno\r\ndos\r\nmas\r\nthree\r\n"
    assert "     3\tmas" in res.output


def test_mixed_endings_fall_back_to_literal():
    text = "a\r\nb\nc\n"
    assert apply_edit(text, "b\nc", "B\nC", False) == ("a\r\nB\nC\n", 1)
    assert apply_edit(text, "a\nb", "x\ny", False) == ("x\r\ny\nc\n", 1)
    with pytest.raises(ToolError):
        apply_edit(text, "zzz", "y", False)


async def test_refused(ctx, app, run):
    ctx.decision = Decision(allowed=False, reason="The user rejected this.", feedback="keep Hello")
    res = await run(EDIT, ctx, file_path="app.py", old_string="'Hello '", new_string="'Hi '")
    assert res.is_error and "rejected" in res.output and "keep Hello" in res.output and "not changed" in res.output
    assert app.read_text() == APP and ctx.writes == []
    assert ctx.read_files[str(app)] == APP


async def test_final_text_from_user_wins(ctx, app, run):
    final = APP.replace("'Hello '", "'Howdy '")
    ctx.decision = Decision(allowed=True, feedback="I prefer Howdy", extras={"finalText": final})
    res = await run(EDIT, ctx, file_path="app.py", old_string="'Hello '", new_string="'Hi '")
    assert not res.is_error
    assert app.read_text() == final and ctx.read_files[str(app)] == final
    assert "modified your proposed change" in res.output and "I prefer Howdy" in res.output
    assert "Howdy" in res.output


async def test_edits_the_unsaved_buffer(ctx, root, run):
    path = root / "open.py"
    path.write_text("disk = 1\n")
    ctx.workspace.open_buffer(path, "buffer = 1\n", 4)
    await run(READ, ctx, file_path="open.py")
    res = await run(EDIT, ctx, file_path="open.py", old_string="buffer = 1", new_string="buffer = 2")
    assert not res.is_error, res.output
    assert ctx.writes[0][2] == "buffer = 1\n"
    assert ctx.workspace.read_text(path) == "buffer = 2\n"


async def test_empty_old_string_creates_a_file(ctx, root, run):
    res = await run(EDIT, ctx, file_path="pkg/new.py", old_string="", new_string="x = 1\n")
    assert not res.is_error, res.output
    assert (root / "pkg" / "new.py").read_text() == "x = 1\n"
    assert ctx.asks[0].content[0].old_text is None
    assert "Created pkg/new.py" in res.output


async def test_empty_old_string_on_a_full_file(ctx, app, run):
    res = await run(EDIT, ctx, file_path="app.py", old_string="", new_string="x")
    assert res.is_error and "empty" in res.output


async def test_missing_file(ctx, root, run):
    res = await run(EDIT, ctx, file_path="nope.py", old_string="a", new_string="b")
    assert res.is_error and "does not exist" in res.output and "Write" in res.output


async def test_binary_refused(ctx, root, run):
    (root / "b.bin").write_bytes(b"\0\1\2")
    res = await run(EDIT, ctx, file_path="b.bin", old_string="a", new_string="b")
    assert res.is_error and "binary" in res.output


async def test_write_failure_is_a_tool_error(ctx, app, run):
    async def fail(path, new_text, old_text):
        raise PermissionError(13, "Permission denied")

    ctx.write_text = fail
    res = await run(EDIT, ctx, file_path="app.py", old_string="'Hello '", new_string="'Hi '")
    assert res.is_error and "Permission denied" in res.output
    assert ctx.read_files[app.as_posix()] == APP


def test_title_locations_schema(ctx, root, app):
    inp = Edit.Input(file_path=str(app), old_string="print(", new_string="log(")
    assert EDIT.title(inp, ctx.workspace) == "Edit app.py"
    (loc,) = EDIT.locations(inp, ctx.workspace)
    assert loc.path == str(app) and loc.line == 5
    schema = input_schema(Edit.Input)
    assert schema["required"] == ["file_path", "old_string", "new_string"]
    assert len(json.dumps(schema)) + len(Edit.description) < 1500
