"""Write: create, overwrite after Read, permission with diff, folders, line endings."""

from __future__ import annotations

import json

from tandem.tools.base import Decision, input_schema
from tandem.tools.read import Read
from tandem.tools.write import Write

WRITE = Write()
READ = Read()


async def test_creates_file_and_folders(ctx, root, run):
    res = await run(WRITE, ctx, file_path="src/deep/new.py", content="a = 1\nb = 2\n")
    assert not res.is_error, res.output
    path = root / "src" / "deep" / "new.py"
    assert path.read_text() == "a = 1\nb = 2\n"
    assert "created" in res.output and "src/deep/new.py" in res.output and "2 lines" in res.output
    (ask,) = ctx.asks
    assert ask.tool == "Write" and ask.kind == "edit" and ask.subject == str(path)
    assert ask.title == "Write src/deep/new.py"
    (diff,) = ask.content
    assert diff.old_text is None and diff.new_text == "a = 1\nb = 2\n"
    assert ctx.writes == [(path, "a = 1\nb = 2\n", None)]
    assert ctx.read_files[str(path)] == "a = 1\nb = 2\n"


async def test_overwrite_requires_read(ctx, root, run):
    (root / "f.txt").write_text("old\n")
    res = await run(WRITE, ctx, file_path="f.txt", content="new\n")
    assert res.is_error and "has not been read" in res.output
    assert (root / "f.txt").read_text() == "old\n" and ctx.asks == []


async def test_overwrite_after_read(ctx, root, run):
    (root / "f.txt").write_text("keep\nold\nkeep\n")
    await run(READ, ctx, file_path="f.txt")
    res = await run(WRITE, ctx, file_path=str(root / "f.txt"), content="keep\nnew\nkeep\n")
    assert not res.is_error, res.output
    assert (root / "f.txt").read_text() == "keep\nnew\nkeep\n"
    assert ctx.asks[0].content[0].old_text == "keep\nold\nkeep\n"
    assert "overwritten" in res.output and "     2\tnew" in res.output
    assert res.content[0].old_text == "keep\nold\nkeep\n"


async def test_unchanged_content_is_a_no_op(ctx, root, run):
    (root / "f.txt").write_text("same\n")
    await run(READ, ctx, file_path="f.txt")
    res = await run(WRITE, ctx, file_path="f.txt", content="same\n")
    assert not res.is_error and "No changes" in res.output and ctx.asks == []


async def test_crlf_kept_on_overwrite(ctx, root, run):
    (root / "w.txt").write_bytes(b"a\r\nb\r\n")
    await run(READ, ctx, file_path="w.txt")
    res = await run(WRITE, ctx, file_path="w.txt", content="a\nc\n")
    assert not res.is_error
    assert (root / "w.txt").read_bytes() == b"a\r\nc\r\n"


async def test_refused(ctx, root, run):
    ctx.decision = Decision(allowed=False, reason="Writing outside src is not allowed.", feedback="put it in src/")
    res = await run(WRITE, ctx, file_path="x.py", content="x")
    assert res.is_error and "not allowed" in res.output and "put it in src/" in res.output
    assert not (root / "x.py").exists() and str(root / "x.py") not in ctx.read_files


async def test_final_text_from_user(ctx, root, run):
    ctx.decision = Decision(allowed=True, extras={"finalText": "user's version\n"})
    res = await run(WRITE, ctx, file_path="x.py", content="mine\n")
    assert (root / "x.py").read_text() == "user's version\n"
    assert ctx.read_files[str(root / "x.py")] == "user's version\n"
    assert "modified your proposed change" in res.output


async def test_directory_refused(ctx, root, run):
    (root / "d").mkdir()
    ctx.read_files[str(root / "d")] = ""
    res = await run(WRITE, ctx, file_path="d", content="x")
    assert res.is_error and "directory" in res.output


async def test_parent_is_a_file(ctx, root, run):
    (root / "f").write_text("")
    res = await run(WRITE, ctx, file_path="f/x.py", content="x")
    assert res.is_error and "not a folder" in res.output


async def test_unsaved_buffer_is_the_old_text(ctx, root, run):
    path = root / "o.py"
    path.write_text("disk\n")
    ctx.workspace.open_buffer(path, "buffer\n", 2)
    await run(READ, ctx, file_path="o.py")
    res = await run(WRITE, ctx, file_path="o.py", content="fresh\n")
    assert not res.is_error
    assert ctx.asks[0].content[0].old_text == "buffer\n"
    assert ctx.workspace.read_text(path) == "fresh\n"


async def test_write_failure_is_a_tool_error(ctx, root, run):
    async def fail(path, new_text, old_text):
        raise OSError(28, "No space left on device")

    ctx.write_text = fail
    res = await run(WRITE, ctx, file_path="x.py", content="x")
    assert res.is_error and "No space left" in res.output


def test_title_locations_schema(ctx, root):
    inp = Write.Input(file_path=str(root / "a" / "b.py"), content="")
    assert WRITE.title(inp, ctx.workspace) == "Write a/b.py"
    assert WRITE.locations(inp, ctx.workspace)[0].path == str(root / "a" / "b.py")
    schema = input_schema(Write.Input)
    assert schema["required"] == ["file_path", "content"]
    assert len(json.dumps(schema)) + len(Write.description) < 1000
