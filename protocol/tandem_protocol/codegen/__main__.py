"""Command line: write the generated files, or with --check fail (exit 1) when any is stale."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import COMMAND, generate, repo_root, stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tandem_protocol.codegen", description=__doc__)
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a generated file is stale")
    parser.add_argument("--root", type=Path, default=None, help="repository root (default: this checkout)")
    args = parser.parse_args(argv)
    root = args.root or repo_root()
    if args.check:
        old = stale(root)
        for rel in old:
            print(f"stale: {rel}", file=sys.stderr)
        if old:
            print(f"run `{COMMAND}` and commit the result", file=sys.stderr)
        return 1 if old else 0
    for rel, text in generate().items():
        path = root / rel
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        print(f"wrote {rel}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
