"""Read: numbering, paging, buffers, errors."""

from __future__ import annotations

import json

from tandem.tools.base import Decision, input_schema
from tandem.tools.read import Read

READ = Read()


async def test_numbers_lines_like_cat_n(ctx, root, run):
    (root / "a.py").write_text("one\ntwo\n")
    res = await run(READ, ctx, file_path="a.py")
    assert not res.is_error
    assert res.output == "     1\tone\n     2\ttwo"
    assert ctx.read_files[str(root / "a.py")] == "one\ntwo\n"


async def test_absolute_path_and_no_trailing_newline(ctx, root, run):
    (root / "b.txt").write_text("x\n\ny")
    res = await run(READ, ctx, file_path=str(root / "b.txt"))
    assert res.output == "     1\tx\n     2\t\n     3\ty"


async def test_crlf_lines_shown_without_cr(ctx, root, run):
    (root / "w.txt").write_bytes(b"a\r\nb\r\n")
    res = await run(READ, ctx, file_path="w.txt")
    assert res.output == "     1\ta\n     2\tb"
    assert ctx.read_files[str(root / "w.txt")] == "a\r\nb\r\n"


async def test_empty_file(ctx, root, run):
    (root / "e").write_text("")
    res = await run(READ, ctx, file_path="e")
    assert not res.is_error
    assert "empty" in res.output
    assert ctx.read_files[str(root / "e")] == ""


async def test_offset_and_limit(ctx, root, run):
    (root / "n.txt").write_text("".join(f"line {i}\n" for i in range(1, 11)))
    res = await run(READ, ctx, file_path="n.txt", offset=3, limit=2)
    lines = res.output.splitlines()
    assert lines[:2] == ["     3\tline 3", "     4\tline 4"]
    assert "lines 3-4 of 10" in res.output and "offset=5" in res.output
    # The full text is recorded even for a partial read: edits anchor on the whole file.
    assert ctx.read_files[str(root / "n.txt")].count("\n") == 10


async def test_offset_past_end(ctx, root, run):
    (root / "n.txt").write_text("a\nb\n")
    res = await run(READ, ctx, file_path="n.txt", offset=5)
    assert not res.is_error
    assert "only 2 lines" in res.output


async def test_offset_zero_means_start(ctx, root, run):
    (root / "n.txt").write_text("a\nb\n")
    res = await run(READ, ctx, file_path="n.txt", offset=0, limit=0)
    assert res.output.startswith("     1\ta")


async def test_default_limit_is_2000_lines(ctx, root, run):
    (root / "big.txt").write_text("x\n" * 2500)
    res = await run(READ, ctx, file_path="big.txt")
    assert "  2000\tx" in res.output and "  2001\t" not in res.output
    assert "lines 1-2000 of 2500" in res.output and "offset=2001" in res.output


async def test_long_lines_truncated(ctx, root, run):
    (root / "long.txt").write_text("y" * 2500 + "\nshort\n")
    res = await run(READ, ctx, file_path="long.txt")
    first = res.output.splitlines()[0]
    assert first.startswith("     1\t" + "y" * 2000)
    assert "500 more chars" in first
    assert "     2\tshort" in res.output


async def test_output_capped_at_whole_lines(ctx, root, run):
    (root / "wide.txt").write_text(("z" * 1500 + "\n") * 200)
    res = await run(READ, ctx, file_path="wide.txt")
    assert len(res.output) < 110_000
    body, note = res.output.split("\n\n(Showing lines 1-")
    last = body.splitlines()[-1]
    assert last.endswith("z" * 1500)
    shown = int(last.split("\t")[0])
    assert note.startswith(f"{shown} of 200") and f"offset={shown + 1}" in note


async def test_unsaved_buffer_wins(ctx, root, run):
    (root / "a.py").write_text("on disk\n")
    ctx.workspace.open_buffer(root / "a.py", "in the editor\n", 3)
    res = await run(READ, ctx, file_path="a.py")
    assert "in the editor" in res.output and "on disk" not in res.output
    assert ctx.read_files[str(root / "a.py")] == "in the editor\n"


async def test_buffer_without_file_on_disk(ctx, root, run):
    ctx.workspace.open_buffer(root / "new.py", "untitled\n")
    res = await run(READ, ctx, file_path="new.py")
    assert res.output == "     1\tuntitled"


async def test_missing_file_suggests_similar(ctx, root, run):
    (root / "src").mkdir()
    (root / "src" / "app.ts").write_text("")
    (root / "src" / "apps.py").write_text("")
    res = await run(READ, ctx, file_path="src/app.py")
    assert res.is_error
    assert "does not exist" in res.output
    assert "src/app.ts" in res.output and "src/apps.py" in res.output


async def test_missing_folder(ctx, root, run):
    res = await run(READ, ctx, file_path="nope/x.py")
    assert res.is_error and "nope" in res.output and "does not exist" in res.output


async def test_directory_is_an_error(ctx, root, run):
    (root / "d").mkdir()
    res = await run(READ, ctx, file_path="d")
    assert res.is_error and "directory" in res.output


async def test_binary_is_an_error(ctx, root, run):
    (root / "img.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0")
    res = await run(READ, ctx, file_path="img.png")
    assert res.is_error and "binary" in res.output
    assert str(root / "img.png") not in ctx.read_files


async def test_not_utf8_is_an_error(ctx, root, run):
    (root / "latin1.txt").write_bytes("café".encode("latin-1"))
    res = await run(READ, ctx, file_path="latin1.txt")
    assert res.is_error and "UTF-8" in res.output


async def test_outside_workspace_asks(ctx, root, tmp_path, run):
    (tmp_path / "secret.txt").write_text("s\n")
    ctx.decision = Decision(allowed=False, reason="outside the workspace", feedback="stay in the repo")
    res = await run(READ, ctx, file_path=str(tmp_path / "secret.txt"))
    assert res.is_error and "stay in the repo" in res.output and "outside the workspace" in res.output
    assert ctx.asks[0].tool == "Read" and ctx.asks[0].subject == str(tmp_path / "secret.txt")
    ctx.decision = Decision(allowed=True)
    res = await run(READ, ctx, file_path="../secret.txt")
    assert res.output == "     1\ts"


async def test_inside_workspace_does_not_ask(ctx, root, run):
    (root / "a").write_text("a")
    await run(READ, ctx, file_path="a")
    assert ctx.asks == []


def test_title_and_locations(ctx, root):
    inp = Read.Input(file_path=str(root / "src" / "app.py"), offset=10, limit=50)
    assert READ.title(inp, ctx.workspace) == "Read src/app.py (lines 10-59)"
    assert READ.title(Read.Input(file_path="src/app.py")) == "Read src/app.py"
    (loc,) = READ.locations(inp, ctx.workspace)
    assert loc.path == str(root / "src" / "app.py") and loc.line == 10


async def test_title_refreshed_with_relative_path(ctx, root, run):
    (root / "a.py").write_text("x")
    await run(READ, ctx, file_path=str(root / "a.py"))
    assert ctx.titles == ["Read a.py"]


def test_schema_is_small():
    schema = input_schema(Read.Input)
    assert schema["required"] == ["file_path"]
    assert len(json.dumps(schema)) + len(Read.description) < 2000
