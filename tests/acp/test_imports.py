"""The doors' start-up paths stay light: the ACP door never loads pygls or lsprotocol, and neither door loads the
agent core (or the model SDK) before `initialize` is answered."""

from __future__ import annotations

import subprocess
import sys


def _run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def test_the_door_imports_neither_pygls_nor_the_core_before_it_is_needed():
    code = ("import sys; import tandem.doors.acp, tandem.doors.acp.door, tandem.doors.acp.stdio, tandem.doors.writer; "
            "early = sorted(m for m in ('tandem.service', 'anthropic', 'pygls', 'lsprotocol') if m in sys.modules); "
            "import tandem.doors.acp.channel, tandem.doors.acp.terminal, tandem.service; "
            "late = sorted(m for m in sys.modules if m.split('.')[0] in ('pygls', 'lsprotocol')); print(early, late)")
    assert _run(code) == "[] []"


def test_the_lsp_door_loads_no_core_before_initialize():
    """What `serve()` imports before it starts serving: pygls, but not the agent core nor the model SDK."""
    code = ("import sys; import tandem.doors.lsp, tandem.doors.lsp.server, tandem.doors.lsp.documents, "
            "tandem.doors.lsp.edits, tandem.doors.lsp.sessions, tandem.doors.lsp.wire, tandem.doors.writer; "
            "print(sorted(m for m in ('tandem.service', 'tandem.sessions.session', 'anthropic') if m in sys.modules))")
    assert _run(code) == "[]"
