"""The generators' shared view of the protocol: Structs, named aliases and field types reduced to a tiny IR."""

from __future__ import annotations

import importlib
import types
import typing
from dataclasses import dataclass
from typing import Any, Literal, Union

import msgspec

from .. import METHODS, Method

# Modules whose module-level Union/Literal aliases (ContentBlock, ToolKind, ...) keep their names in the outputs.
ALIAS_MODULES = (
    "tandem_protocol.acp.content",
    "tandem_protocol.acp.session",
    "tandem_protocol.acp.tools",
    "tandem_protocol.acp.updates",
    "tandem_protocol.acp.client",
    "tandem_protocol.ext",
)


# ---- the IR -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prim:
    """string, integer, number, boolean, null or any."""

    name: Literal["string", "integer", "number", "boolean", "null", "any"]


@dataclass(frozen=True)
class Ref:
    """A Struct (kind="struct") or a named alias (kind="alias")."""

    name: str
    kind: Literal["struct", "alias"]


@dataclass(frozen=True)
class ListOf:
    item: "Type"


@dataclass(frozen=True)
class MapOf:
    """A JSON object with string keys."""

    value: "Type"


@dataclass(frozen=True)
class Lit:
    values: tuple[str | int | bool, ...]


@dataclass(frozen=True)
class UnionOf:
    items: tuple["Type", ...]


Type = Union[Prim, Ref, ListOf, MapOf, Lit, UnionOf]


@dataclass(frozen=True)
class Field:
    name: str  # the wire name
    type: Type
    optional: bool  # may be left out of the message
    doc: str | None


@dataclass(frozen=True)
class StructDef:
    name: str
    doc: str | None
    tag_field: str | None
    tag: str | int | None
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class AliasDef:
    name: str
    type: Type


@dataclass(frozen=True)
class Model:
    """Everything a generator needs, sorted by name."""

    methods: tuple[Method, ...]
    structs: tuple[StructDef, ...]
    aliases: tuple[AliasDef, ...]
    roots: tuple[type, ...]


# ---- building it ------------------------------------------------------------------------------


def _is_union(tp: Any) -> bool:
    return typing.get_origin(tp) in (Union, types.UnionType)


def _named_aliases() -> dict[Any, str]:
    found: dict[Any, str] = {}
    for mod_name in ALIAS_MODULES:
        mod = importlib.import_module(mod_name)
        for name in sorted(vars(mod)):
            value = vars(mod)[name]
            if name.startswith("_") or not (_is_union(value) or typing.get_origin(value) is Literal):
                continue
            found.setdefault(value, name)
    return found


def _doc(obj: Any) -> str | None:
    doc = obj.__dict__.get("__doc__") if isinstance(obj, type) else None
    return " ".join(doc.split()) if doc else None


def _strip_annotated(tp: Any) -> tuple[Any, str | None]:
    doc = None
    while typing.get_origin(tp) is typing.Annotated:
        tp, *extras = typing.get_args(tp)
        for extra in extras:
            if isinstance(extra, msgspec.Meta) and extra.description:
                doc = " ".join(extra.description.split())
    return tp, doc


def root_types() -> tuple[type, ...]:
    """METHODS' params and results first, then every other public Struct of tandem_protocol (such as `_meta` shapes)."""
    import tandem_protocol

    roots: list[type] = []
    for m in METHODS:
        for tp in (m.params, m.result):
            if tp is not None and tp not in roots:
                roots.append(tp)
    for name in sorted(vars(tandem_protocol)):
        value = getattr(tandem_protocol, name)
        is_struct = isinstance(value, type) and issubclass(value, msgspec.Struct)
        if is_struct and not name.startswith("_") and value is not tandem_protocol.Wire and value not in roots:
            roots.append(value)
    return tuple(roots)


class _Builder:
    def __init__(self) -> None:
        self.alias_names = _named_aliases()
        self.structs: dict[str, StructDef] = {}
        self.aliases: dict[str, AliasDef] = {}
        self._classes: dict[str, type] = {}

    def convert(self, tp: Any) -> Type:
        tp, _ = _strip_annotated(tp)
        name = self.alias_names.get(tp) if _is_hashable(tp) else None
        if name is not None:
            if name not in self.aliases:
                self.aliases[name] = AliasDef(name, Prim("any"))  # placeholder against recursion
                self.aliases[name] = AliasDef(name, self._convert_plain(tp))
            return Ref(name, "alias")
        return self._convert_plain(tp)

    def _convert_plain(self, tp: Any) -> Type:
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if _is_union(tp):
            members = [a for a in args if a is not msgspec.UnsetType]
            nulls = [a for a in members if a is type(None)]
            rest = [a for a in members if a is not type(None)]
            stripped = len(rest) < len(args)  # `Alias | None`: the alias's members arrive flattened
            if stripped and len(rest) > 1 and Union[tuple(rest)] in self.alias_names:
                items: list[Type] = [self.convert(Union[tuple(rest)])]
            else:
                items = [self.convert(a) for a in rest]
            items += [Prim("null")] * bool(nulls)
            return items[0] if len(items) == 1 else UnionOf(tuple(items))
        if origin is Literal:
            return Lit(tuple(args))
        if tp in (list, tuple, set, frozenset) or origin in (list, tuple, set, frozenset):
            if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
                raise TypeError(f"codegen: fixed-length tuples are not supported: {tp!r}")
            return ListOf(self.convert(args[0]) if args else Prim("any"))
        if tp is dict or origin is dict:
            if args and args[0] is not str:
                raise TypeError(f"codegen: only string-keyed dicts are supported: {tp!r}")
            return MapOf(self.convert(args[1]) if args else Prim("any"))
        if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
            self.add_struct(tp)
            return Ref(tp.__name__, "struct")
        prims = {str: "string", int: "integer", float: "number", bool: "boolean", type(None): "null"}
        if tp in prims:
            return Prim(prims[tp])
        if tp is Any or tp is object:
            return Prim("any")
        raise TypeError(f"codegen: unsupported type {tp!r}")

    def add_struct(self, cls: type) -> None:
        name = cls.__name__
        if name in self._classes:
            if self._classes[name] is not cls:
                raise TypeError(f"codegen: two Structs named {name}")
            return
        self._classes[name] = cls
        config = cls.__struct_config__
        fields = []
        for f in msgspec.structs.fields(cls):
            _, doc = _strip_annotated(f.type)
            fields.append(Field(f.encode_name, self.convert(f.type), not f.required, doc))
        self.structs[name] = StructDef(name, _doc(cls), config.tag_field, config.tag, tuple(fields))


def _is_hashable(tp: Any) -> bool:
    try:
        hash(tp)
    except TypeError:
        return False
    return True


def build() -> Model:
    """Walk METHODS (and the other public Structs) into a Model."""
    builder = _Builder()
    roots = root_types()
    for tp in roots:
        builder.add_struct(tp)
    clash = set(builder.structs) & set(builder.aliases)
    if clash:
        raise TypeError(f"codegen: names used by both a Struct and an alias: {sorted(clash)}")
    return Model(
        methods=tuple(sorted(METHODS, key=lambda m: m.name)),
        structs=tuple(builder.structs[n] for n in sorted(builder.structs)),
        aliases=tuple(builder.aliases[n] for n in sorted(builder.aliases)),
        roots=roots,
    )


def kind(m: Method) -> str:
    return "notification" if m.is_notification else "request"
