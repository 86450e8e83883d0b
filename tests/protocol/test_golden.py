"""Golden wire examples: each decodes into its Struct, re-encodes to the same JSON, and conforms to the ACP schema."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest
from acp_schema import is_acp_method, validate_acp_message

from tandem_protocol import BY_NAME, METHODS, PermissionAnswerExtras, SessionUpdate, UsageDetail

GOLDEN = Path(__file__).resolve().parents[2] / "protocol" / "golden"
FILES = sorted(GOLDEN.glob("*.json"))
# File names: <method with "/" as "_">.<params|result|update kind>[.<variant>].json
BY_STEM = {m.name.replace("/", "_"): m for m in METHODS}


def _load(path: Path) -> tuple[dict, str, str]:
    """The message, its method and which part it carries (params or result)."""
    msg = json.loads(path.read_text(encoding="utf-8"))
    prefix, part = path.name.split(".")[:2]
    method = BY_STEM.get(prefix)
    assert method is not None, f"{path.name}: no method {prefix!r} (name files <method with / as _>.<part>.json)"
    if part == "result":
        assert "method" not in msg and "result" in msg, f"{path.name}: a .result file holds a response"
        return msg, method.name, "result"
    assert msg.get("method") == method.name, f"{path.name}: the message's method is {msg.get('method')!r}"
    return msg, method.name, "params"


def test_golden_files_exist():
    assert len(FILES) >= 30


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_round_trip(path: Path):
    msg, name, part = _load(path)
    method = BY_NAME[name]
    wire_type = method.result if part == "result" else method.params
    assert wire_type is not None
    payload = msg[part]
    value = msgspec.json.decode(json.dumps(payload), type=wire_type)
    assert json.loads(msgspec.json.encode(value)) == payload


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_conforms_to_acp_schema(path: Path):
    msg, name, _ = _load(path)
    checked = validate_acp_message(msg, method=name)
    assert checked == is_acp_method(name) == BY_NAME[name].acp


def test_every_method_has_goldens():
    parts = {(m, p) for m, p in (_load(f)[1:] for f in FILES)}
    missing = [(m.name, p) for m in METHODS for p in ("params", "result")
               if (p == "params" or not m.is_notification) and (m.name, p) not in parts]
    assert not missing, f"no golden file for {missing}"


def test_every_session_update_kind_has_a_golden():
    kinds = {cls.__struct_config__.tag for cls in SessionUpdate.__args__}
    updates = [json.loads(f.read_text())["params"]["update"] for f in GOLDEN.glob("session_update.*.json")]
    seen = {u["sessionUpdate"] for u in updates}
    assert kinds - seen == set()


def test_prompt_golden_has_text_link_and_resource():
    msg = json.loads((GOLDEN / "session_prompt.params.json").read_text())
    assert [b["type"] for b in msg["params"]["prompt"]] == ["text", "resource_link", "resource"]


def test_tandem_meta_goldens_decode_into_their_structs():
    usage = json.loads((GOLDEN / "session_update.usage_update.json").read_text())["params"]["update"]
    msgspec.convert(usage["_meta"]["tandem"], UsageDetail)
    answer = json.loads((GOLDEN / "session_request_permission.result.json").read_text())["result"]
    extras = msgspec.convert(answer["_meta"]["tandem"], PermissionAnswerExtras)
    assert extras.accepted_hunks == ["h1"]
