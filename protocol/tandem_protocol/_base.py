"""Base Struct and helpers shared by every wire type: camelCase names, omitted defaults, `_meta`."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from msgspec import UNSET, Meta, UnsetType

__all__ = ["UNSET", "UnsetType", "Wire", "D", "Meta_", "Annotated"]


def D(description: str) -> Meta:
    """Shorthand for a field's documentation, kept in the generated schema and bindings."""
    return Meta(description=description)


Meta_ = Annotated[
    dict[str, Any] | None | UnsetType,
    D("Reserved by ACP for extension data; Tandem's own extras live under `_meta.tandem`."),
]


class Wire(msgspec.Struct, rename="camel", omit_defaults=True, kw_only=True):
    """Every wire Struct: camelCase on the wire, unset optional fields left out, unknown fields ignored."""
