"""JSON Schema writer: msgspec's schema components for every wire Struct plus the method table under `x-methods`."""

from __future__ import annotations

import json

import msgspec

from . import HEADER
from .model import Model, kind

REF = "#/$defs/{name}"


def render(model: Model) -> str:
    """The whole `tandem.schema.json` text (keys sorted, two-space indent, trailing newline)."""
    _, components = msgspec.json.schema_components(model.roots, ref_template=REF)
    methods = []
    for m in model.methods:
        entry = {
            "name": m.name,
            "direction": m.direction,
            "kind": kind(m),
            "acp": m.acp,
            "doc": m.doc,
            "params": {"$ref": REF.format(name=m.params.__name__)},
        }
        if m.result is not None:
            entry["result"] = {"$ref": REF.format(name=m.result.__name__)}
        methods.append(entry)
    doc = {
        "$comment": HEADER,
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Tandem wire protocol (ACP v1 subset and _tandem extensions)",
        "$defs": components,
        "x-methods": methods,
    }
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
