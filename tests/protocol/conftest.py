"""Protocol tests: make `tests/` importable so `acp_schema` (the ACP schema helper) can be imported."""

import sys
from pathlib import Path

_TESTS = str(Path(__file__).resolve().parents[1])
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)
