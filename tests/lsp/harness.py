"""A pytest-lsp client for `tandem serve` that collects session/update and answers permission prompts."""

from __future__ import annotations

import asyncio
import sys
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Callable

from lsprotocol import types
from pytest_lsp import LanguageClient
from pytest_lsp.client import register_lsp_features

from tandem.doors.lsp.server import dict_converter

from ..acp_schema import is_acp_method, validate_acp_message

PermissionAnswer = Callable[[dict[str, Any]], dict[str, Any]]


def allow(option: str = "allow_once", **tandem: Any) -> PermissionAnswer:
    def answer(params: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = {"outcome": {"outcome": "selected", "optionId": option}}
        if tandem:
            result["_meta"] = {"tandem": tandem}
        return result

    return answer


def reject(**tandem: Any) -> PermissionAnswer:
    return allow("reject_once", **tandem)


class TandemClient:
    """Drives a real `tandem serve` process over stdio."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.client = LanguageClient(converter_factory=dict_converter)
        register_lsp_features(self.client)
        self.updates: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.permission_requests: list[dict[str, Any]] = []
        self.permission_answers: list[PermissionAnswer] = []
        self.permission_hold: asyncio.Event | None = None
        self.applied_edits: list[dict[str, Any]] = []
        self.schema_errors: list[str] = []
        self.hunk_notices: list[dict[str, Any]] = []
        self.lens_refreshes = 0
        self.editor = Editor(self)
        self._changed = asyncio.Event()
        self.init_result: types.InitializeResult | None = None
        self._register()

    def _register(self) -> None:
        client = self.client

        @client.feature("session/update")
        def on_update(params: dict[str, Any]) -> None:
            self._check({"jsonrpc": "2.0", "method": "session/update", "params": params})
            self.updates[params["sessionId"]].append(params["update"])
            self._changed.set()

        @client.feature("_tandem/hunks")
        def on_hunks(params: dict[str, Any]) -> None:
            self.hunk_notices.append(params)
            self._changed.set()

        @client.feature("workspace/codeLens/refresh")
        def on_lens_refresh(params: Any) -> None:
            self.lens_refreshes += 1

        @client.feature("workspace/applyEdit")
        def on_apply_edit(params: Any) -> dict[str, Any]:
            return self.editor.apply_workspace_edit(params)

        @client.feature("session/request_permission")
        async def on_permission(params: dict[str, Any]) -> dict[str, Any]:
            self._check({"jsonrpc": "2.0", "id": 1, "method": "session/request_permission", "params": params})
            self.permission_requests.append(params)
            self._changed.set()
            if self.permission_hold is not None:
                await self.permission_hold.wait()
            answer = self.permission_answers.pop(0) if self.permission_answers else reject()
            return answer(params)

    def _check(self, message: dict[str, Any]) -> None:
        """Handler exceptions would only be logged by pygls: keep schema failures for the test to see."""
        try:
            validate_acp_message(message)
        except AssertionError as e:
            self.schema_errors.append(str(e))

    async def start(self, *extra_args: str, init_options: dict[str, Any] | None = None,
                    root: Path | None = None) -> TandemClient:
        await self.client.start_io(sys.executable, "-m", "tandem", "serve", *extra_args, env=self.env)
        self.init_result = await self.client.initialize_session(types.InitializeParams(
            capabilities=types.ClientCapabilities(workspace=types.WorkspaceClientCapabilities(
                apply_edit=True, code_lens=types.CodeLensWorkspaceClientCapabilities(refresh_support=True))),
            root_uri=root.as_uri() if root else None,
            initialization_options=init_options or {"acp": {"protocolVersion": 1}},
        ))
        acp = self.init_result.capabilities.experimental["acp"]
        validate_acp_message({"jsonrpc": "2.0", "id": 0, "result": acp}, method="initialize")
        return self

    async def stop(self) -> None:
        try:
            await asyncio.wait_for(self.client.shutdown_session(), 5)
        except Exception:
            pass
        await self.client.stop()

    async def request(self, method: str, params: dict[str, Any], timeout: float = 20) -> Any:
        """Send a request; every ACP message the server answers is checked against the official schema."""
        result = await asyncio.wait_for(self.client.protocol.send_request_async(method, params), timeout)
        if is_acp_method(method):
            validate_acp_message({"jsonrpc": "2.0", "id": 1, "result": result}, method=method)
        return result

    def notify(self, method: str, params: dict[str, Any]) -> None:
        self.client.protocol.notify(method, params)

    async def new_session(self, cwd: Path) -> str:
        result = await self.request("session/new", {"cwd": str(cwd), "mcpServers": []})
        return result["sessionId"]

    async def prompt(self, session_id: str, text: str, timeout: float = 30) -> dict[str, Any]:
        return await self.request("session/prompt", {"sessionId": session_id,
                                                      "prompt": [{"type": "text", "text": text}]}, timeout)

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 10) -> Any:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            value = predicate()
            if value:
                return value
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise TimeoutError("condition not met in time")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.1))
            except TimeoutError:
                pass

    # ---- views of what was streamed ---------------------------------------------------------

    def of(self, session_id: str, kind: str) -> list[dict[str, Any]]:
        return [u for u in self.updates[session_id] if u["sessionUpdate"] == kind]

    def text(self, session_id: str, kind: str = "agent_message_chunk") -> str:
        return "".join(u["content"].get("text", "") for u in self.of(session_id, kind))

    def tool_calls(self, session_id: str) -> dict[str, dict[str, Any]]:
        """Tool calls folded from tool_call and tool_call_update upserts."""
        calls: dict[str, dict[str, Any]] = {}
        for u in self.updates[session_id]:
            if u["sessionUpdate"] in ("tool_call", "tool_call_update"):
                record = calls.setdefault(u["toolCallId"], {})
                record.update({k: v for k, v in u.items() if k != "sessionUpdate"})
        return calls


@asynccontextmanager
async def running_tandem(env: dict[str, str], root: Path) -> AsyncIterator[TandemClient]:
    """A started and initialized `tandem serve`; stopped afterwards, when every ACP message it sent must have
    conformed to the official schema."""
    client = TandemClient(env)
    await client.start(root=root)
    try:
        yield client
    finally:
        await client.stop()
    assert client.schema_errors == [], "messages that break the ACP schema:\n" + "\n".join(client.schema_errors)


class Editor:
    """Plays the editor's side of document sync: open buffers, the user's typing, and workspace/applyEdit."""

    def __init__(self, owner: TandemClient) -> None:
        self.owner = owner
        self.docs: dict[str, list[Any]] = {}  # uri -> [text, version]
        self.applied: list[list[dict[str, Any]]] = []
        self.before_apply: Any = None  # a callable run when an applyEdit arrives (the user typing at that moment)

    def open(self, path: Path, text: str | None = None) -> None:
        text = path.read_text() if text is None else text
        self.docs[path.as_uri()] = [text, 1]
        self.owner.client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
            uri=path.as_uri(), language_id="text", version=1, text=text)))

    def text(self, path: Path) -> str:
        return self.docs[path.as_uri()][0]

    def type(self, path: Path, new_text: str) -> None:
        """The user edits the buffer (sent as a full-text change)."""
        doc = self.docs[path.as_uri()]
        doc[0], doc[1] = new_text, doc[1] + 1
        self.owner.client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=path.as_uri(), version=doc[1]),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=new_text)]))

    def apply_workspace_edit(self, params: Any) -> dict[str, Any]:
        if self.before_apply is not None:
            hook, self.before_apply = self.before_apply, None
            hook()
        edit = params.edit
        for change in edit.document_changes or []:
            uri = change.text_document.uri
            doc = self.docs.get(uri)
            if doc is None or (change.text_document.version is not None and change.text_document.version != doc[1]):
                return {"applied": False, "failureReason": "version mismatch"}
            edits = [{"range": e.range, "newText": e.new_text} for e in change.edits]
            self.applied.append(edits)
            text = doc[0]
            for e in sorted(edits, key=lambda e: (e["range"].start.line, e["range"].start.character), reverse=True):
                start, end = _offset(text, e["range"].start), _offset(text, e["range"].end)
                text = text[:start] + e["newText"] + text[end:]
            doc[0], doc[1] = text, doc[1] + 1
            self.owner.client.text_document_did_change(types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=doc[1]),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))
        return {"applied": True}


def _offset(text: str, pos: Any) -> int:
    """A UTF-16 LSP position as an index into `text`."""
    lines = text.splitlines(keepends=True)
    offset = sum(len(line) for line in lines[:pos.line])
    line = lines[pos.line] if pos.line < len(lines) else ""
    units = 0
    for i, ch in enumerate(line):
        if units >= pos.character:
            return offset + i
        units += 2 if ord(ch) > 0xFFFF else 1
    return offset + len(line)
