"""The LSP door: a pygls server whose custom methods keep plain dicts and whose output never blocks."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol, default_converter, lsp_method
from pygls.protocol.json_rpc import JsonRPCNotification, JsonRPCRequestMessage, JsonRPCResponseMessage

from ... import __version__
from .transport import ThreadedWriter, frame

log = logging.getLogger(__name__)


def _plain(obj: dict[str, Any], cls: type) -> Any:
    return cls(**obj)


def dict_converter():
    """pygls turns unknown methods' params into namedtuples; keep them dicts so msgspec can decode them."""
    converter = default_converter()
    for cls in (JsonRPCRequestMessage, JsonRPCNotification, JsonRPCResponseMessage):
        converter.register_structure_hook(cls, _plain)
    return converter


class TandemProtocol(LanguageServerProtocol):
    """Adds the ACP handshake to `initialize` and sends pre-encoded bytes as they are."""

    acp_result: dict[str, Any] = {}
    acp_params: dict[str, Any] = {}

    @lsp_method(types.INITIALIZE)
    def lsp_initialize(self, params: types.InitializeParams):
        result = yield from super().lsp_initialize(params)
        options = params.initialization_options
        self.acp_params = options.get("acp", {}) if isinstance(options, dict) else {}
        result.capabilities.experimental = {"acp": self.acp_result}
        return result

    def send_raw(self, body: bytes) -> None:
        """Send a JSON-RPC message already encoded (by msgspec)."""
        if self.writer is not None:
            self.writer.write(frame(body))

    def _send_data(self, data: Any) -> None:
        if not data or self.writer is None:
            return
        try:
            body = json.dumps(data, default=self._serialize_message, ensure_ascii=False).encode("utf-8")
        except Exception as error:  # a bug in our result shapes: report it, keep serving
            log.exception("could not encode a message")
            self._server._report_server_error(error, Exception)
            return
        self.writer.write(frame(body))


class TandemServer(LanguageServer):
    """The `tandem serve` process."""

    def __init__(self) -> None:
        super().__init__("tandem", __version__, protocol_cls=TandemProtocol, converter_factory=dict_converter)

    def start_stdio(self) -> None:
        writer = ThreadedWriter(sys.stdout.buffer)
        original = self.protocol.set_writer

        def set_writer(_writer: Any, include_headers: bool = True) -> None:
            original(writer, include_headers)

        self.protocol.set_writer = set_writer  # type: ignore[method-assign]
        try:
            self.start_io()
        finally:
            writer.close()
