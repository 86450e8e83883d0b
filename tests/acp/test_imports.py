"""The ACP door's start-up path stays light: no pygls or lsprotocol anywhere, and the core only once needed."""

from __future__ import annotations

import subprocess
import sys


def test_the_door_imports_neither_pygls_nor_the_core_before_it_is_needed():
    code = ("import sys; import tandem.doors.acp, tandem.doors.acp.door, tandem.doors.acp.stdio; "
            "early = sorted(m for m in ('tandem.service', 'anthropic', 'pygls', 'lsprotocol') if m in sys.modules); "
            "import tandem.doors.acp.channel, tandem.doors.acp.terminal, tandem.service; "
            "late = sorted(m for m in sys.modules if m.split('.')[0] in ('pygls', 'lsprotocol')); print(early, late)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[] []"
