"""Grep: ripgrep modes, .gitignore, caps, errors, cancellation."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import msgspec
import pytest

from tandem.tools import _rg
from tandem.tools.base import input_schema
from tandem.tools.grep import Grep

GREP = Grep()


@pytest.fixture
def tree(root: Path) -> Path:
    (root / "src" / "pkg").mkdir(parents=True)
    (root / "build").mkdir()
    (root / ".git").mkdir()
    (root / ".gitignore").write_text("build/\n*.log\n")
    (root / "src" / "app.py").write_text("import os\n\ndef main():\n    print('Hello')\n    return 0\n")
    (root / "src" / "pkg" / "util.py").write_text("def helper():\n    return 'hello world'\n")
    (root / "src" / "web.js").write_text("console.log('hello');\n")
    (root / "build" / "out.py").write_text("hello = 1\n")
    (root / "debug.log").write_text("hello\n")
    (root / ".git" / "config").write_text("hello\n")
    (root / ".env.example").write_text("HELLO=1\n")
    # mtimes: util.py newest, then web.js, then app.py
    for i, name in enumerate(["src/app.py", "src/web.js", "src/pkg/util.py"]):
        os.utime(root / name, (1_000_000 + i * 100, 1_000_000 + i * 100))
    return root


async def test_files_with_matches_newest_first_and_gitignore(ctx, tree, run):
    res = await run(GREP, ctx, pattern="hello")
    assert not res.is_error
    lines = res.output.splitlines()
    assert lines[0] == "Found 2 files"
    assert lines[1:] == ["src/pkg/util.py", "src/web.js"]
    # build/ and *.log are ignored, .git is never searched, case matters.
    assert "build" not in res.output and "debug.log" not in res.output and ".git/" not in res.output


async def test_case_insensitive_and_hidden_files(ctx, tree, run):
    res = await run(GREP, ctx, pattern="hello", **{"-i": True})
    files = res.output.splitlines()[1:]
    assert set(files) == {"src/pkg/util.py", "src/web.js", "src/app.py", ".env.example"}


async def test_content_mode_with_line_numbers(ctx, tree, run):
    res = await run(GREP, ctx, pattern="Hello", output_mode="content", path="src")
    assert res.output == "src/app.py:4:    print('Hello')"
    res = await run(GREP, ctx, pattern="Hello", output_mode="content", path="src", **{"-n": False})
    assert res.output == "src/app.py:    print('Hello')"


async def test_content_with_context(ctx, tree, run):
    res = await run(GREP, ctx, pattern="def main", output_mode="content", **{"-A": 1, "-B": 1})
    assert res.output.splitlines() == ["src/app.py-2-", "src/app.py:3:def main():", "src/app.py-4-    print('Hello')"]


async def test_separator_between_groups(ctx, root, run):
    (root / "f.txt").write_text("x\n" + "a\n" * 5 + "x\n")
    res = await run(GREP, ctx, pattern="x", output_mode="content", **{"-C": 1})
    assert res.output.splitlines() == ["f.txt:1:x", "f.txt-2-a", "--", "f.txt-6-a", "f.txt:7:x"]


async def test_count_mode(ctx, root, run):
    (root / "a.txt").write_text("x\nx\ny\n")
    (root / "b.txt").write_text("x\n")
    res = await run(GREP, ctx, pattern="x", output_mode="count")
    lines = res.output.splitlines()
    assert sorted(lines[:2]) == ["a.txt:2", "b.txt:1"]
    assert "3 matching lines in 2 files" in res.output


async def test_glob_and_type_filters(ctx, tree, run):
    res = await run(GREP, ctx, pattern="hello", glob="*.js")
    assert res.output.splitlines()[1:] == ["src/web.js"]
    res = await run(GREP, ctx, pattern="hello", type="py")
    assert res.output.splitlines()[1:] == ["src/pkg/util.py"]


async def test_path_may_be_a_file_or_absolute(ctx, tree, run):
    res = await run(GREP, ctx, pattern="return", path=str(tree / "src" / "app.py"), output_mode="content")
    assert res.output == "src/app.py:5:    return 0"


async def test_multiline(ctx, root, run):
    (root / "m.py").write_text("struct Foo {\n    field: u8,\n}\n")
    res = await run(GREP, ctx, pattern=r"Foo \{.*field", output_mode="content")
    assert res.output == "No matches found"
    res = await run(GREP, ctx, pattern=r"Foo \{.*field", output_mode="content", multiline=True)
    assert res.output.splitlines() == ["m.py:1:struct Foo {", "m.py:2:    field: u8,"]


async def test_no_matches_is_not_an_error(ctx, tree, run):
    res = await run(GREP, ctx, pattern="zzz_nothing")
    assert not res.is_error and res.output == "No matches found"


async def test_pattern_starting_with_dash(ctx, root, run):
    (root / "a.txt").write_text("a --flag b\n")
    res = await run(GREP, ctx, pattern="--flag", output_mode="content")
    assert res.output == "a.txt:1:a --flag b"


async def test_bad_regex_is_an_error(ctx, tree, run):
    res = await run(GREP, ctx, pattern="foo(")
    assert res.is_error and "regex" in res.output


async def test_missing_path_is_an_error(ctx, tree, run):
    res = await run(GREP, ctx, pattern="x", path="nope")
    assert res.is_error and "does not exist" in res.output and "nope" in res.output


async def test_head_limit_content(ctx, root, run):
    (root / "many.txt").write_text("hit\n" * 1000)
    res = await run(GREP, ctx, pattern="hit", output_mode="content", head_limit=10)
    lines = res.output.splitlines()
    assert lines[:10] == [f"many.txt:{i}:hit" for i in range(1, 11)]
    assert "cut at 10 lines" in res.output


async def test_default_cap_on_content(ctx, root, run):
    (root / "many.txt").write_text("hit\n" * 5000)
    res = await run(GREP, ctx, pattern="hit", output_mode="content")
    assert "many.txt:250:hit" in res.output and "many.txt:251:hit" not in res.output
    assert "cut at 250 lines" in res.output
    res = await run(GREP, ctx, pattern="hit", output_mode="content", head_limit=0)
    assert len(res.output) <= 31_000 and "Output cut" in res.output


async def test_head_limit_files(ctx, root, run):
    for i in range(20):
        (root / f"f{i:02}.txt").write_text("hit\n")
        os.utime(root / f"f{i:02}.txt", (1_000_000 + i, 1_000_000 + i))
    res = await run(GREP, ctx, pattern="hit", head_limit=3)
    lines = res.output.splitlines()
    assert lines[:4] == ["Found 20 files", "f19.txt", "f18.txt", "f17.txt"]
    assert "Showing 3" in res.output


async def test_long_lines_cut(ctx, root, run):
    (root / "min.js").write_text("a" * 5000 + "needle" + "b" * 5000 + "\n")
    res = await run(GREP, ctx, pattern="needle", output_mode="content")
    assert len(res.output) < 700 and "chars]" in res.output


async def test_non_utf8_lines(ctx, root, run):
    (root / "l1.txt").write_bytes(b"caf\xe9 needle\n")
    res = await run(GREP, ctx, pattern="needle", output_mode="content")
    assert res.output.startswith("l1.txt:1:caf") and "needle" in res.output


async def test_cancel_kills_rg(ctx, root, monkeypatch):
    # A stand-in for a slow rg: the test checks the process is gone after cancellation.
    fake = root.parent / "slow-rg"
    fake.write_text("#!/bin/sh\necho $$ > \"$PIDFILE\"\nexec sleep 30\n")
    fake.chmod(0o755)
    pidfile = root.parent / "pid"
    monkeypatch.setenv("PIDFILE", str(pidfile))
    monkeypatch.setattr(_rg, "_rg_path", str(fake))
    task = asyncio.ensure_future(GREP.run(msgspec.convert({"pattern": "x"}, Grep.Input), ctx))
    for _ in range(200):
        if pidfile.exists() and pidfile.read_text().strip():
            break
        await asyncio.sleep(0.01)
    pid = int(pidfile.read_text())
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


async def test_missing_rg_is_a_clear_error(ctx, root, monkeypatch, run):
    monkeypatch.setattr(_rg, "_rg_path", None)
    monkeypatch.setattr(_rg.sys, "executable", str(root / "nowhere" / "python"))
    monkeypatch.setenv("PATH", str(root))
    res = await run(GREP, ctx, pattern="x")
    assert res.is_error and "ripgrep" in res.output
    monkeypatch.setattr(_rg, "_rg_path", None)  # don't leave the miss cached for other tests


def test_finds_rg_in_the_venv():
    _rg._rg_path = None
    assert _rg.find_rg() == str(Path(sys.executable).parent / "rg")


def test_title_and_schema(ctx, root):
    inp = msgspec.convert({"pattern": "foo", "path": str(root / "src"), "glob": "*.py"}, Grep.Input)
    assert GREP.title(inp, ctx.workspace) == 'Grep "foo" in src (*.py)'
    assert GREP.locations(inp, ctx.workspace)[0].path == str(root / "src")
    schema = input_schema(Grep.Input)
    assert {"-i", "-n", "-A", "-B", "-C"} <= set(schema["properties"])
    assert len(json.dumps(schema, separators=(",", ":"))) + len(Grep.description) < 2000
