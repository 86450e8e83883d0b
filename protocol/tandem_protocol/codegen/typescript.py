"""TypeScript writer: interfaces and aliases for clients/vscode, the METHODS table and typed method maps."""

from __future__ import annotations

import json

from . import HEADER
from .model import Field, ListOf, Lit, MapOf, Model, Prim, Ref, StructDef, Type, UnionOf, kind

PRIMS = {"string": "string", "integer": "number", "number": "number", "boolean": "boolean", "null": "null",
         "any": "unknown"}


def ts_type(t: Type) -> str:
    if isinstance(t, Prim):
        return PRIMS[t.name]
    if isinstance(t, Ref):
        return t.name
    if isinstance(t, Lit):
        return " | ".join(json.dumps(v) for v in t.values)
    if isinstance(t, ListOf):
        inner = ts_type(t.item)
        return f"({inner})[]" if isinstance(t.item, (UnionOf, Lit)) and " | " in inner else f"{inner}[]"
    if isinstance(t, MapOf):
        return f"{{ [key: string]: {ts_type(t.value)} }}"
    if isinstance(t, UnionOf):
        return " | ".join(ts_type(i) for i in t.items)
    raise TypeError(t)


def _doc(text: str | None, indent: str = "") -> list[str]:
    if not text:
        return []
    safe = text.replace("*/", "*\\/")
    return [f"{indent}/** {safe} */"]


def _prop(name: str) -> str:
    return name if name.isidentifier() else json.dumps(name)


def _field(f: Field) -> list[str]:
    return [*_doc(f.doc, "  "), f"  {_prop(f.name)}{'?' if f.optional else ''}: {ts_type(f.type)};"]


def _interface(s: StructDef) -> list[str]:
    lines = [*_doc(s.doc), f"export interface {s.name} {{"]
    if s.tag_field is not None:
        lines.append(f"  {_prop(s.tag_field)}: {json.dumps(s.tag)};")
    for f in s.fields:
        lines += _field(f)
    if lines[-1].endswith("{"):
        lines[-1] += "}"
        return [*lines, ""]
    return [*lines, "}", ""]


def render(model: Model) -> str:
    """The whole `types.gen.ts` text."""
    out = [f"// {HEADER}", "/* eslint-disable */", ""]
    for a in model.aliases:
        out += [f"export type {a.name} = {ts_type(a.type)};", ""]
    for s in model.structs:
        out += _interface(s)

    out += ["/** Who receives the method: the agent (server) or the client (editor). */",
            'export type MethodDirection = "to_agent" | "to_client";', "",
            'export type MethodKind = "request" | "notification";', "",
            "/** Every wire method: its direction, kind and whether ACP v1 defines it (false: a Tandem extension). */",
            "export const METHODS = {"]
    for m in model.methods:
        out += [*_doc(m.doc, "  "),
                f"  {json.dumps(m.name)}: {{ direction: {json.dumps(m.direction)}, kind: {json.dumps(kind(m))}, "
                f"acp: {'true' if m.acp else 'false'} }},"]
    out += ["} as const satisfies Record<string, { direction: MethodDirection; kind: MethodKind; acp: boolean }>;", "",
            "export type MethodName = keyof typeof METHODS;", ""]

    requests = [m for m in model.methods if not m.is_notification]
    notifications = [m for m in model.methods if m.is_notification]
    for title, doc, methods, attr in (
        ("RequestParams", "Params of each request, by method name.", requests, "params"),
        ("RequestResults", "Result of each request, by method name.", requests, "result"),
        ("NotificationParams", "Params of each notification, by method name.", notifications, "params"),
    ):
        out += [f"/** {doc} */", f"export interface {title} {{"]
        out += [f"  {json.dumps(m.name)}: {getattr(m, attr).__name__};" for m in methods]
        out += ["}", ""]
    out += ["export type RequestMethod = keyof RequestParams;", "",
            "export type NotificationMethod = keyof NotificationParams;"]
    return "\n".join(out) + "\n"
