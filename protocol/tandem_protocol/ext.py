"""Tandem's own extensions: `_tandem/...` methods and the shapes carried under `_meta.tandem`."""

from __future__ import annotations

import msgspec

from ._base import UNSET, Annotated, D, UnsetType, Wire


class TandemInitOptions(Wire):
    """`initializationOptions` of the LSP door: the ACP handshake rides in `acp`."""

    acp: Annotated[dict | UnsetType, D("ACP InitializeRequest params.")] = UNSET


class UsageDetail(Wire):
    """`usage_update._meta.tandem`: the token counts of the last model call and the session's totals."""

    input_tokens: int
    output_tokens: int
    cache_read_input_tokens: int = 0
    cache_creation_input_tokens: int = 0
    total_input_tokens: int = 0
    total_output_tokens: int = 0
    model: str = ""


class CompactionInfo(Wire):
    """`_meta.tandem` of a compaction notice (an agent_message_chunk, or a compaction_update): what was summarised."""

    notice: Annotated[str, D("Always `compaction`: tells the notice from the agent's answer.")]
    trigger: Annotated[str, D("auto (the context window was filling) or manual (/compact).")]
    messages_before: Annotated[int, D("Messages in the conversation before.")] = 0
    messages_after: Annotated[int, D("Messages after: the summary and the recent turn.")] = 0
    tokens_before: Annotated[int, D("Context tokens in use at the last model call.")] = 0
    tokens_after: Annotated[int, D("Estimated context tokens after.")] = 0
    summary: Annotated[str | UnsetType, D("The summary text (notices only).")] = UNSET


class PermissionAnswerExtras(Wire):
    """`_meta.tandem` of a permission answer: partial accept, the user's own text, a note to the model."""

    accepted_hunks: Annotated[list[str] | UnsetType, D("Hunk ids to apply; the others are rejected.")] = UNSET
    final_text: Annotated[str | UnsetType, D("The user's edited version of the whole file.")] = UNSET
    feedback: Annotated[str | UnsetType, D("A note passed to the model with the result.")] = UNSET


class ServerInfoResult(Wire):
    """`_tandem/info` result: what this server is and where it keeps things."""

    version: str
    state_dir: str
    model: str
    api_key_present: bool
    sandbox: Annotated[str, D("bubblewrap, or none.")] = "none"


class TandemMeta(Wire):
    """A `_meta` object holding Tandem's extras under `tandem`."""

    tandem: dict = msgspec.field(default_factory=dict)


# ---- edits: pending hunks, review, rewind, inline edit ------------------------------------------


class HunkInfo(Wire):
    """One hunk of an edit proposal or of an applied agent change (line numbers 1-based)."""

    id: Annotated[str, D("Stable id: the same hunk keeps it when the proposal is rebased over the user's edits.")]
    old_start: Annotated[int, D("First line in the file as it is now (before the hunk applies).")]
    old_lines: Annotated[int, D("Lines the hunk replaces (0 for a pure insertion before old_start).")]
    new_start: Annotated[int, D("First line in the text after the change.")]
    new_lines: Annotated[int, D("Lines the hunk puts in their place.")]
    removed: Annotated[list[str], D("The replaced lines, without line endings.")]
    added: Annotated[list[str], D("The new lines, without line endings.")]


class PendingHunksParams(Wire):
    """`_tandem/hunks` (server to client): the pending hunks of one file, for decorations; empty when none."""

    uri: Annotated[str, D("file:// URI of the file.")]
    path: Annotated[str, D("Absolute path of the file.")]
    session_id: Annotated[str, D("The session whose proposal it is; empty when proposals of several sessions wait on "
                                 "this file (the hunks of all of them are listed).")]
    hunks: Annotated[list[HunkInfo], D("The hunks still waiting for a decision.")]
    tool_call_id: Annotated[str | UnsetType, D("The Edit or Write tool call waiting on it (absent when several "
                                               "do).")] = UNSET


class HunkCommandArgs(Wire):
    """Argument of the `tandem.acceptHunks` / `tandem.rejectHunks` commands (workspace/executeCommand)."""

    session_id: Annotated[str, D("The session whose hunks to decide; empty for every session's on this file.")]
    uri: Annotated[str, D("file:// URI of the file.")]
    hunk_ids: Annotated[list[str] | None | UnsetType, D("The hunks to decide; all pending ones when absent.")] = UNSET


class ReviewListParams(Wire):
    """`_tandem/review/list` params."""

    session_id: str


class ReviewedFile(Wire):
    """A file the session changed: its diff against the session's baseline and the agent's own hunks."""

    path: str
    uri: str
    diff: Annotated[str, D("Unified diff from the baseline to the file as it is now (the user's edits included).")]
    hunks: Annotated[list[HunkInfo], D("The agent's own hunks, as it applied them; ids usable with review/revert.")]
    turns: Annotated[list[int], D("The turns (1-based) in which the agent changed it.")]
    created: Annotated[bool, D("The session created the file.")] = False


class ReviewListResult(Wire):
    """`_tandem/review/list` result."""

    files: list[ReviewedFile]


class ReviewRevertParams(Wire):
    """`_tandem/review/revert` params: undo the agent's hunks in one file (all, or the named ones)."""

    session_id: str
    path: Annotated[str, D("Absolute path (or file:// URI).")]
    hunk_ids: Annotated[list[str] | None | UnsetType, D("Ids from review/list; all of the agent's when absent.")] = UNSET


class RevertResult(Wire):
    """What a revert or rewind did: files restored, and agent changes it could not undo without touching the user's."""

    reverted: Annotated[list[str], D("Paths changed back.")]
    conflicts: Annotated[list[str], D("Paths where the user's later edits overlap the agent's: left as they are.")]
    message: Annotated[str, D("A sentence for the user.")]


class RewindParams(Wire):
    """`_tandem/rewind` params: restore the code to before a turn, and optionally cut the conversation there."""

    session_id: str
    turn: Annotated[int, D("1-based turn number; the code goes back to just before it.")]
    conversation: Annotated[bool, D("Also drop that turn and the later ones from the conversation.")] = False


class InlineEditParams(Wire):
    """`_tandem/inlineEdit` params: ask the agent about a range of a file; edits go through the usual review."""

    uri: str
    range: Annotated[dict, D("LSP range {start: {line, character}, end: {line, character}}, 0-based.")]
    instruction: Annotated[str, D("What to do with the selection.")]
    session_id: Annotated[str | None | UnsetType, D("Continue this session; a new one when absent.")] = UNSET


class InlineEditResult(Wire):
    """`_tandem/inlineEdit` result, sent when the turn ends."""

    session_id: str
    stop_reason: str
