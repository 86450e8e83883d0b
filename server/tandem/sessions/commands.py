"""Slash commands, for every door: advertised with `available_commands_update`, run when a prompt starts with one.

Most commands turn `/name input` into a prompt for the model (and may switch the mode first); `/compact` and `/retry`
are actions of the session itself and never reach the model as text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tandem_protocol import UNSET, AvailableCommand, AvailableCommandInput, TextContent


@dataclass(frozen=True)
class Command:
    name: str
    description: str
    prompt: str = ""  # `{input}` is replaced by what the user typed after the command
    hint: str | None = None
    mode: str | None = None  # switch the session to this mode before the turn
    action: str | None = None  # a session action instead of a prompt: compact | retry


COMMANDS: tuple[Command, ...] = (
    Command("init", "Write an AGENTS.md that explains this project to the agent",
            "Study this project (layout, build and test commands, conventions) and write a concise AGENTS.md at its "
            "root for coding agents working on it. If one exists, improve it instead. {input}"),
    Command("review", "Review the uncommitted changes",
            "Review the uncommitted changes in this repository (`git status`, `git diff HEAD`). Report bugs, risky "
            "changes and missing tests, most important first, as path:line with a one-line reason. Change nothing. "
            "{input}", hint="what to focus on (optional)"),
    Command("plan", "Plan a task in plan mode before changing anything",
            "{input}", hint="the task to plan", mode="plan"),
    Command("compact", "Summarise the conversation now to free the context window",
            hint="what the summary should focus on (optional)", action="compact"),
    Command("retry", "Run the last prompt again (after a failed or cancelled turn)", action="retry"),
)
BY_NAME = {c.name: c for c in COMMANDS}


def advertised() -> list[AvailableCommand]:
    return [AvailableCommand(name=c.name, description=c.description,
                             input=AvailableCommandInput(hint=c.hint) if c.hint else UNSET) for c in COMMANDS]


def parse(blocks: list[Any]) -> tuple[Command, str] | None:
    """The command a prompt starts with (`/name` as the first word of its first text block) and the input after it."""
    if not blocks or not isinstance(blocks[0], TextContent) or not blocks[0].text.startswith("/"):
        return None
    head, _, rest = blocks[0].text[1:].partition(" ")
    name, _, first_line_rest = head.partition("\n")
    command = BY_NAME.get(name)
    if command is None:
        return None
    return command, (first_line_rest + (" " if first_line_rest and rest else "") + rest).strip()


def expand(blocks: list[Any]) -> tuple[list[Any], Command | None]:
    """The prompt with a leading `/command input` replaced by the command's prompt, and the command (or None).
    An action command (/compact, /retry) leaves the blocks as they are."""
    parsed = parse(blocks)
    if parsed is None:
        return blocks, None
    command, user_input = parsed
    if command.action:
        return blocks, command
    text = command.prompt.format(input=user_input).strip() or f"/{command.name}"
    return [TextContent(text=text, meta=blocks[0].meta), *blocks[1:]], command
