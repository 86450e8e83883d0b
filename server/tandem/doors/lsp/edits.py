"""Review in any LSP client: code lenses to accept or reject pending hunks, their commands, and code actions."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, Callable

import msgspec
from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pygls.uris import to_fs_path
from tandem_protocol import HunkCommandArgs

if TYPE_CHECKING:
    from ...service import AgentService
    from .server import TandemServer

log = logging.getLogger(__name__)

ACCEPT, REJECT, INLINE = "tandem.acceptHunks", "tandem.rejectHunks", "tandem.inlineEdit"


def setup(server: TandemServer, get_service: Callable[[], AgentService]) -> None:
    @server.feature(types.TEXT_DOCUMENT_CODE_LENS)
    def code_lens(params: types.CodeLensParams) -> list[types.CodeLens]:
        path = to_fs_path(params.text_document.uri)
        service = get_service()
        lenses: list[types.CodeLens] = []
        pendings = service.pending.for_path(path) if path else []
        for pending in pendings:
            hunks = pending.open_hunks()
            args = {"sessionId": pending.session_id, "uri": params.text_document.uri}
            if len(hunks) > 1:
                top = types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0))
                lenses.append(_lens(top, f"Accept all ({len(hunks)})", ACCEPT, args))
                lenses.append(_lens(top, "Reject all", REJECT, args))
            for hunk in hunks:
                line = max(hunk.old_start - 1, 0)
                at = types.Range(start=types.Position(line=line, character=0),
                                 end=types.Position(line=line, character=0))
                label = f"+{hunk.new_lines} -{hunk.old_lines}"
                lenses.append(_lens(at, f"✓ Accept ({label})", ACCEPT, {**args, "hunkIds": [hunk.id]}))
                lenses.append(_lens(at, "✗ Reject", REJECT, {**args, "hunkIds": [hunk.id]}))
        return lenses

    @server.command(ACCEPT)
    async def accept(*args: Any) -> dict[str, Any]:
        return await _decide(get_service(), args, accept=True)

    @server.command(REJECT)
    async def reject(*args: Any) -> dict[str, Any]:
        return await _decide(get_service(), args, accept=False)

    @server.command(INLINE)
    async def inline(*args: Any) -> dict[str, Any]:
        from tandem_protocol import InlineEditParams

        params = _decode(args, InlineEditParams)
        service = get_service()
        task = asyncio.ensure_future(service.inline_edit(params))
        task.add_done_callback(lambda t: t.cancelled() or (t.exception() and log.warning("inline edit: %s",
                                                                                          t.exception())))
        await asyncio.sleep(0)
        return {"started": True}

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix,
                                                               types.CodeActionKind.RefactorRewrite]))
    def code_action(params: types.CodeActionParams) -> list[types.CodeAction]:
        uri, rng = params.text_document.uri, params.range
        actions = []
        for diagnostic in params.context.diagnostics[:3]:
            instruction = f"Fix this problem: {diagnostic.message}"
            actions.append(_action(f"Ask Tandem to fix: {diagnostic.message[:60]}", types.CodeActionKind.QuickFix,
                                   uri, diagnostic.range, instruction, [diagnostic]))
        if rng.start != rng.end:
            actions.append(_action("Ask Tandem to edit this…", types.CodeActionKind.RefactorRewrite, uri, rng,
                                   "Improve this code.", None))
        return actions


def _lens(at: types.Range, title: str, command: str, args: dict[str, Any]) -> types.CodeLens:
    return types.CodeLens(range=at, command=types.Command(title=title, command=command, arguments=[args]))


def _action(title: str, kind: str, uri: str, rng: types.Range, instruction: str,
            diagnostics: list[types.Diagnostic] | None) -> types.CodeAction:
    arg = {"uri": uri, "instruction": instruction,
           "range": {"start": {"line": rng.start.line, "character": rng.start.character},
                     "end": {"line": rng.end.line, "character": rng.end.character}}}
    return types.CodeAction(title=title, kind=kind, diagnostics=diagnostics,
                            command=types.Command(title=title, command=INLINE, arguments=[arg]))


def _decode(args: tuple[Any, ...], struct: type) -> Any:
    first = args[0] if args else None
    if isinstance(first, list):  # pygls hands the arguments list over as one parameter
        first = first[0] if first else None
    try:
        return msgspec.convert(first, struct)
    except msgspec.ValidationError as e:
        raise JsonRpcInvalidParams(f"invalid command arguments: {e}") from None


async def _decide(service: AgentService, args: tuple[Any, ...], accept: bool) -> dict[str, Any]:
    params: HunkCommandArgs = _decode(args, HunkCommandArgs)
    path = to_fs_path(params.uri)
    ids = params.hunk_ids if isinstance(params.hunk_ids, list) else None
    error = await service.decide_hunks(params.session_id or None, path or "", ids, accept)
    if error:
        raise JsonRpcInvalidParams(error)
    return {"ok": True}
