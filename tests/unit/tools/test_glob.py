"""Glob: matching, order, .gitignore, caps, errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import msgspec
import pytest

from tandem.tools.base import input_schema
from tandem.tools._rg import sort_by_mtime
from tandem.tools.glob import Glob

GLOB = Glob()


def touch(root: Path, rel: str, mtime: int) -> None:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text("")
    os.utime(p, (mtime, mtime))


@pytest.fixture
def tree(root: Path) -> Path:
    (root / ".gitignore").write_text("dist/\n")
    touch(root, "src/a.py", 1_000_100)
    touch(root, "src/sub/b.py", 1_000_300)
    touch(root, "top.py", 1_000_200)
    touch(root, "src/c.ts", 1_000_400)
    touch(root, "dist/gen.py", 1_000_500)
    touch(root, ".git/hooks/x.py", 1_000_600)
    return root


async def test_matches_newest_first(ctx, tree, run):
    res = await run(GLOB, ctx, pattern="**/*.py")
    assert not res.is_error
    assert res.output.splitlines() == ["src/sub/b.py", "top.py", "src/a.py"]


async def test_the_newest_first_sort_takes_relative_and_absolute_paths_and_a_base_gone_since(tree):
    paths = ["src/a.py", str(tree / "top.py"), "missing.py", "src/sub/b.py"]
    assert await sort_by_mtime(paths, tree) == ["src/sub/b.py", str(tree / "top.py"), "src/a.py", "missing.py"]
    assert await sort_by_mtime(["b", "a"], tree / "gone") == ["a", "b"]


async def test_gitignore_and_git_dir_skipped(ctx, tree, run):
    res = await run(GLOB, ctx, pattern="*.py")
    assert "dist" not in res.output and ".git" not in res.output


async def test_anchored_pattern(ctx, tree, run):
    res = await run(GLOB, ctx, pattern="src/*.py")
    assert res.output.splitlines() == ["src/a.py"]
    res = await run(GLOB, ctx, pattern="./src/**/*.py")
    assert res.output.splitlines() == ["src/sub/b.py", "src/a.py"]


async def test_path_narrows_and_anchors(ctx, tree, run):
    res = await run(GLOB, ctx, pattern="sub/*.py", path="src")
    assert res.output.splitlines() == ["src/sub/b.py"]
    res = await run(GLOB, ctx, pattern="*", path=str(tree / "src"))
    assert res.output.splitlines() == ["src/c.ts", "src/sub/b.py", "src/a.py"]


async def test_absolute_pattern(ctx, tree, run):
    res = await run(GLOB, ctx, pattern=str(tree / "src" / "**" / "*.py"))
    assert res.output.splitlines() == ["src/sub/b.py", "src/a.py"]


async def test_no_files(ctx, tree, run):
    res = await run(GLOB, ctx, pattern="**/*.rs")
    assert not res.is_error and res.output == "No files found"


async def test_capped_at_100(ctx, root, run):
    for i in range(130):
        touch(root, f"f{i:03}.txt", 1_000_000 + i)
    res = await run(GLOB, ctx, pattern="*.txt")
    lines = res.output.splitlines()
    assert lines[0] == "f129.txt" and lines[99] == "f030.txt"
    assert "100 newest of 130" in res.output and "truncated" in res.output


async def test_path_must_be_a_directory(ctx, tree, run):
    res = await run(GLOB, ctx, pattern="*", path="nope")
    assert res.is_error and "does not exist" in res.output
    res = await run(GLOB, ctx, pattern="*", path="top.py")
    assert res.is_error and "not a directory" in res.output


async def test_bad_glob_is_an_error(ctx, tree, run):
    res = await run(GLOB, ctx, pattern="src/{a,b")
    assert res.is_error and "glob" in res.output.lower()


def test_title_and_schema(ctx, root):
    inp = msgspec.convert({"pattern": "**/*.py", "path": str(root / "src")}, Glob.Input)
    assert GLOB.title(inp, ctx.workspace) == "Glob **/*.py in src"
    assert GLOB.locations(inp, ctx.workspace)[0].path == str(root / "src")
    schema = input_schema(Glob.Input)
    assert schema["required"] == ["pattern"]
    assert len(json.dumps(schema)) + len(Glob.description) < 1200
