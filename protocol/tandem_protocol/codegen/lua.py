"""LuaCATS writer: `tandem.*` classes and aliases for clients/neovim, plus a runtime table of the methods."""

from __future__ import annotations

import json

from . import HEADER
from .model import ListOf, Lit, MapOf, Model, Prim, Ref, StructDef, Type, UnionOf, kind

PRIMS = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean", "null": "nil",
         "any": "any"}
NS = "tandem."


def _q(value: object) -> str:
    """A Lua literal for a string, number or boolean (UTF-8 kept as is: JSON's \\u escapes are not Lua)."""
    return json.dumps(value, ensure_ascii=False)


def lua_type(t: Type) -> str:
    if isinstance(t, Prim):
        return PRIMS[t.name]
    if isinstance(t, Ref):
        return NS + t.name
    if isinstance(t, Lit):
        return "|".join(_q(v) for v in t.values)
    if isinstance(t, ListOf):
        inner = lua_type(t.item)
        return f"({inner})[]" if "|" in inner else f"{inner}[]"
    if isinstance(t, MapOf):
        return f"table<string, {lua_type(t.value)}>"
    if isinstance(t, UnionOf):
        return "|".join(lua_type(i) for i in t.items)
    raise TypeError(t)


def _optional_type(t: Type) -> str:
    """An optional field's type: nil is implied by `?`, so a nullable union drops it."""
    if isinstance(t, UnionOf):
        items = tuple(i for i in t.items if i != Prim("null"))
        t = items[0] if len(items) == 1 else UnionOf(items)
    return lua_type(t)


def _class(s: StructDef) -> list[str]:
    lines = [f"---{s.doc}"] if s.doc else []
    lines.append(f"---@class {NS}{s.name}")
    if s.tag_field is not None:
        lines.append(f"---@field {s.tag_field} {_q(s.tag)}")
    for f in s.fields:
        name, ty = (f"{f.name}?", _optional_type(f.type)) if f.optional else (f.name, lua_type(f.type))
        lines.append(f"---@field {name} {ty}" + (f" {f.doc}" if f.doc else ""))
    return [*lines, ""]


def render(model: Model) -> str:
    """The whole `types.gen.lua` text."""
    out = [f"-- {HEADER}", "-- JSON null arrives as nil (vim.lsp decodes with luanil): nullable fields are optional.",
           ""]
    for a in model.aliases:
        out += [f"---@alias {NS}{a.name} {lua_type(a.type)}", ""]
    for s in model.structs:
        out += _class(s)

    out += [f"---@alias {NS}Method " + "|".join(_q(m.name) for m in model.methods), "",
            "---How a method travels: who receives it (agent: the server; client: the editor), and if it is answered.",
            f"---@class {NS}MethodInfo",
            '---@field direction "to_agent"|"to_client"',
            '---@field kind "request"|"notification"',
            "---@field params string The params class name (without the tandem. prefix).",
            "---@field result? string The result class name; nil for a notification.",
            "---@field acp boolean Defined by ACP v1 (false: a Tandem extension).", "",
            f"---@type {{ methods: table<{NS}Method, {NS}MethodInfo> }}",
            "local M = {", "  methods = {"]
    for m in model.methods:
        result = f", result = {_q(m.result.__name__)}" if m.result is not None else ""
        out.append(f"    [{_q(m.name)}] = {{ direction = {_q(m.direction)}, kind = {_q(kind(m))}, "
                   f"params = {_q(m.params.__name__)}{result}, acp = {'true' if m.acp else 'false'} }},")
    out += ["  },", "}", "", "return M"]
    return "\n".join(out) + "\n"
