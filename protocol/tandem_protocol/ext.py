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
