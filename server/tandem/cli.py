"""The `tandem` command: `serve` (LSP door), `acp` (ACP door), `ask` (headless turns), `--version`."""

from __future__ import annotations

import argparse
import sys

from . import __version__

MODES = ("default", "acceptEdits", "plan", "bypassPermissions")
ASK_FORMATS = """\
--input-format stream-json: stdin is read as JSON lines, each a user message as `claude -p --input-format
stream-json` takes them:
  {"type":"user","message":{"role":"user","content":"text" | [{"type":"text","text":"..."}, ...]}}
(content blocks: text, and images as {"type":"image","source":{"type":"base64","media_type":...,"data":...}}).
Each line runs one turn, in order, in the same session (the history is kept), until EOF. A malformed line is
reported on stderr and skipped.

--output stream-json: each session/update as one JSON line, {"sessionId":"ses_...","update":{"sessionUpdate":...}},
and after each turn one line {"type":"result","sessionId":"ses_...","stopReason":"end_turn","isError":false}
(stopReason: end_turn, max_tokens, refusal, cancelled, ...; isError: the model call failed).

Ctrl-C cancels the running turn (with stream-json input the next line still runs; while waiting for input it
exits). Exit status: 0; 1 if a turn failed; 2 for a usage error; 130 if a turn was cancelled or interrupted.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tandem", description="An AI coding agent for your editor.")
    parser.add_argument("--version", action="version", version=f"tandem {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="run the LSP door on stdio (what editors spawn)")
    sub.add_parser("acp", help="run the Agent Client Protocol door on stdio (Zed, JetBrains, ...)")
    ask = sub.add_parser("ask", help="run headless turns in the current directory", epilog=ASK_FORMATS,
                         description="Run the agent without an editor: one turn for PROMPT, or with --input-format "
                                     "stream-json one turn per JSON line on stdin, all in one session.",
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    ask.add_argument("prompt", nargs="?", help="what to ask; '-' reads it from stdin (omit with --input-format "
                                                "stream-json)")
    ask.add_argument("--input-format", choices=("text", "stream-json"), default="text",
                     help="text: PROMPT is the one turn; stream-json: each stdin line is a user message (see below)")
    ask.add_argument("--output", choices=("text", "stream-json"), default="text",
                     help="text streams the answer; stream-json prints each session/update as one JSON line and a "
                          "result line after each turn")
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

    if args.input_format == "stream-json" and args.prompt is not None:
        ask.error("with --input-format stream-json the prompts come from stdin, one JSON line each: drop PROMPT")
    if args.input_format == "text" and args.prompt is None:
        ask.error("PROMPT is required (or '-' to read it from stdin, or --input-format stream-json)")
    prompt = sys.stdin.read() if args.prompt == "-" else args.prompt
    return run_ask(prompt, output=args.output, mode=args.mode, allow=args.allow, cwd=args.cwd, model=args.model,
                   input_format=args.input_format)


if __name__ == "__main__":
    sys.exit(main())
