"""The `tandem` command: `serve` (LSP door), `acp` (ACP door), `ask` (one headless turn), `--version`."""

from __future__ import annotations

import argparse
import sys

from . import __version__

MODES = ("default", "acceptEdits", "plan", "bypassPermissions")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tandem", description="An AI coding agent for your editor.")
    parser.add_argument("--version", action="version", version=f"tandem {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="run the LSP door on stdio (what editors spawn)")
    sub.add_parser("acp", help="run the Agent Client Protocol door on stdio (Zed, JetBrains, ...)")
    ask = sub.add_parser("ask", help="run one headless turn in the current directory")
    ask.add_argument("prompt", help="what to ask; '-' reads it from stdin")
    ask.add_argument("--output", choices=("text", "stream-json"), default="text",
                     help="text streams the answer; stream-json prints each session/update as one JSON line")
    ask.add_argument("--mode", choices=MODES, default="default", help="permission mode (default: default)")
    ask.add_argument("--allow", action="append", default=[], metavar="RULE",
                     help="allow a tool without asking, e.g. 'Bash(npm test:*)' or 'Edit(src/**)'; repeatable")
    ask.add_argument("--cwd", default=None, help="workspace root (default: the current directory)")
    ask.add_argument("--model", default=None, help="model id (default: $TANDEM_MODEL or the most capable)")
    args = parser.parse_args(argv)

    if args.command == "serve":
        from .doors.lsp import serve

        serve()
        return 0
    if args.command == "acp":
        from .doors.acp import serve_acp

        return serve_acp()
    from .headless import run_ask

    prompt = sys.stdin.read() if args.prompt == "-" else args.prompt
    return run_ask(prompt, output=args.output, mode=args.mode, allow=args.allow, cwd=args.cwd, model=args.model)


if __name__ == "__main__":
    sys.exit(main())
