"""Test helper: validate whole JSON-RPC messages against the vendored official ACP v1 JSON Schema."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any, Literal

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "protocol" / "vendor" / "acp-schema-v1.json"
_URI = "urn:tandem:vendor:acp-schema-v1"

__all__ = ["SCHEMA_PATH", "acp_definition", "acp_methods", "is_acp_method", "validate_acp_message"]


@cache
def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@cache
def _registry() -> Registry:
    return Registry().with_resource(_URI, Resource.from_contents(_schema(), default_specification=DRAFT202012))


@cache
def acp_methods() -> dict[str, dict[str, str]]:
    """Every method the schema defines: name -> {"kind": request|notification, "side", "params": def, "result": def}."""
    methods: dict[str, dict[str, str]] = {}
    for name, definition in sorted(_schema()["$defs"].items()):
        method = definition.get("x-method")
        if method is None:
            continue
        entry = methods.setdefault(method, {"side": definition.get("x-side", "")})
        if name.endswith("Response"):
            entry["result"] = name
        else:
            entry["params"] = name
            entry["kind"] = "notification" if name.endswith("Notification") else "request"
    return methods


def is_acp_method(name: str) -> bool:
    """True when the official ACP v1 schema defines `name` (`_...` extension methods never are)."""
    return not name.startswith("_") and name in acp_methods()


def acp_definition(method: str, part: Literal["params", "result"]) -> str:
    """The schema definition name of a method's params or result, such as NewSessionRequest."""
    entry = acp_methods().get(method)
    if entry is None or part not in entry:
        raise AssertionError(f"the ACP v1 schema defines no {part} for method {method!r}")
    return entry[part]


@cache
def _validator(definition: str) -> Draft202012Validator:
    if definition not in _schema()["$defs"]:
        raise AssertionError(f"no definition {definition!r} in {SCHEMA_PATH.name}")
    return Draft202012Validator({"$ref": f"{_URI}#/$defs/{definition}"}, registry=_registry())


def _check(definition: str, instance: Any, where: str) -> None:
    errors = list(_validator(definition).iter_errors(instance))
    if not errors:
        return
    best = _focus(best_match(errors))
    lines = [f"{where} does not conform to ACP {definition}: {_describe(best)}"]
    for err in sorted(errors, key=lambda e: list(e.absolute_path))[:5]:
        if err is not best:
            lines.append(f"  also: {_describe(err)}")
    lines.append(f"  value: {json.dumps(instance, ensure_ascii=False)[:600]}")
    raise AssertionError("\n".join(lines))


def _focus(err: ValidationError) -> ValidationError:
    """Inside a failed oneOf/anyOf, follow the one branch whose discriminator (type, sessionUpdate...) matched."""
    while err.context:
        branches: dict[Any, list[ValidationError]] = {}
        for sub in err.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        matching = [subs for subs in branches.values()
                    if not any(e.validator == "const" and len(e.relative_path) == 1 for e in subs)]
        if len(matching) != 1:
            break
        err = best_match(matching[0])
    return err


def _describe(err: ValidationError) -> str:
    path = "".join(f"[{p!r}]" if isinstance(p, int) else f".{p}" for p in err.absolute_path) or "(root)"
    msg = err.message if len(err.message) < 300 else err.message[:300] + "..."
    return f"at {path}: {msg}"


def _check_id(msg: dict[str, Any]) -> None:
    request_id = msg["id"]
    if request_id is not None and (isinstance(request_id, bool) or not isinstance(request_id, (int, str))):
        raise AssertionError(f"JSON-RPC id must be an integer, a string or null, got {request_id!r}")


def validate_acp_message(msg: dict[str, Any], method: str | None = None) -> bool:
    """Validate one whole JSON-RPC message against the official ACP v1 schema.

    Requests and notifications name their method; for a response pass the request's method (`method="session/new"`).
    Returns True when validated, False when skipped (a `_...` extension method). Raises AssertionError, with the
    offending path and the message, when the message does not conform or the method is not an ACP method.
    """
    if not isinstance(msg, dict):
        raise AssertionError(f"a JSON-RPC message must be an object, got {type(msg).__name__}")
    if msg.get("jsonrpc") != "2.0":
        raise AssertionError(f'"jsonrpc" must be "2.0": {json.dumps(msg)[:300]}')
    name = msg.get("method", method)
    if not isinstance(name, str):
        raise AssertionError("a response needs the request's method: validate_acp_message(msg, method=...)")
    if "method" in msg and method is not None and method != msg["method"]:
        raise AssertionError(f"message is {msg['method']!r} but method={method!r} was passed")
    if name.startswith("_"):
        return False
    if not is_acp_method(name):
        raise AssertionError(f"{name!r} is not an ACP v1 method (extensions must start with '_')")
    entry = acp_methods()[name]

    if "method" in msg:  # a request or a notification
        extra = set(msg) - {"jsonrpc", "id", "method", "params"}
        if extra:
            raise AssertionError(f"unexpected members in {name} message: {sorted(extra)}")
        if entry["kind"] == "request":
            if "id" not in msg:
                raise AssertionError(f"{name} is a request: the message needs an id")
            _check_id(msg)
        elif "id" in msg:
            raise AssertionError(f"{name} is a notification: the message must not have an id")
        _check(entry["params"], msg.get("params"), f"{name} params")
        return True

    # a response
    if entry["kind"] != "request":
        raise AssertionError(f"{name} is a notification: it has no response")
    if "id" not in msg:
        raise AssertionError(f"a {name} response needs an id")
    _check_id(msg)
    extra = set(msg) - {"jsonrpc", "id", "result", "error"}
    if extra or ("result" in msg) == ("error" in msg):
        raise AssertionError(f"a response has exactly one of result or error: {sorted(msg)}")
    if "error" in msg:
        _check("Error", msg["error"], f"{name} error")
    else:
        _check(entry["result"], msg["result"], f"{name} result")
    return True
