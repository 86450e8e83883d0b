"""Loads the SDK modules that import hundreds of type modules they need only later (or never) with those deferred."""

# Building the client imports, besides what it uses, ~1,100 type modules (~250 ms) through two parts of the SDK:
# - the error table, anthropic._error_classes: (status, error code) to ~280 error classes, each in a module of its
#   own with a details model (~70 ms), read only when a request fails. Loaded here with the table's values as
#   (module, name) pairs: a class is imported the first time make_status_error looks it up.
# - the OpenTelemetry tracing of API calls, anthropic.lib._tracing: request-parameter TypedDicts and response models of
#   Messages and beta Messages, for isinstance checks and casts that run only while a span is recording (with no
#   tracer configured, never). Loaded with lazy_names.py's rewrite: names only functions use are imported on first use.
# Each rewrite checks its preconditions: if a new SDK moves things so that one no longer holds, the module loads as
# written (slower, never wrong). tests/unit/test_sdk_deferred.py checks them against the installed SDK and compares
# the result with a plain import. The compiled result is cached beside the exports cache.

from __future__ import annotations

import ast
import functools
import importlib
import importlib.machinery
import importlib.util
import marshal
import os
from collections.abc import Callable, Iterator, Mapping
from types import CodeType, ModuleType
from typing import Any

from . import lazy_names

VERSION = 2  # of the rewrites (here and in lazy_names.py): a new one invalidates the cached code
_HELPER = "__tandem_deferred_classes__"


class DeferredClasses(Mapping[Any, Any]):
    """A table whose values may be (module, name) pairs, each imported on first lookup and then kept."""

    def __init__(self, table: dict[Any, Any]) -> None:
        self._table = table

    def __getitem__(self, key: Any) -> Any:
        value = self._table[key]
        if isinstance(value, tuple):
            value = getattr(importlib.import_module(value[0]), value[1])
            self._table[key] = value
        return value

    def __contains__(self, key: object) -> bool:  # without importing: Mapping's would look the value up
        return key in self._table

    def __iter__(self) -> Iterator[Any]:
        return iter(self._table)

    def __len__(self) -> int:
        return len(self._table)


def defer_error_classes(tree: ast.Module, package: str) -> ast.Module | None:
    """ERROR_CLASSES = {...: Name} with every Name imported from `.types...` becomes DeferredClasses({...: (m, n)})."""
    deferred: dict[str, tuple[str, str]] = {}
    body: list[ast.stmt] = []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level == 1 and (node.module or "").startswith("types."):
            module = importlib.util.resolve_name(f".{node.module}", package)
            deferred.update({a.asname or a.name: (module, a.name) for a in node.names})
        else:
            body.append(node)
    tables = [n for n in body if _assigns(n, "ERROR_CLASSES") and isinstance(n.value, ast.Dict)]
    if not deferred or len(tables) != 1:
        return None
    table = tables[0]
    assert isinstance(table, ast.Assign | ast.AnnAssign) and isinstance(table.value, ast.Dict)
    values = table.value.values
    if _uses(body, deferred, skip=[v for v in values if isinstance(v, ast.Name)]):
        return None  # a deferred class is needed for something else: load as written
    table.value.values = [ast.Tuple([ast.Constant(deferred[v.id][0]), ast.Constant(deferred[v.id][1])], ast.Load())
                          if isinstance(v, ast.Name) and v.id in deferred else v for v in values]
    table.value = ast.Call(ast.Name(_HELPER, ast.Load()), [table.value], [])
    tree.body = body
    return ast.fix_missing_locations(tree)


def _types_or_tracing(module: str) -> bool:
    return module.startswith(("anthropic.types", "anthropic.lib._tracing"))


_lazy_sdk_names = functools.partial(lazy_names.defer_call_time_names, only=_types_or_tracing)

DEFERRALS: dict[str, Callable[[ast.Module, str], ast.Module | None]] = {
    "anthropic._error_classes": defer_error_classes,
    **{f"anthropic.lib._tracing.{name}": _lazy_sdk_names for name in ("_utils", "_api_call", "_streaming", "_content")},
}


def _assigns(node: ast.stmt, name: str) -> bool:
    if isinstance(node, ast.AnnAssign):
        return isinstance(node.target, ast.Name) and node.target.id == name and node.value is not None
    return isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)


def _union_of(value: ast.expr, names: Mapping[str, Any]) -> bool:
    if isinstance(value, ast.BinOp) and isinstance(value.op, ast.BitOr):
        return _union_of(value.left, names) and _union_of(value.right, names)
    return isinstance(value, ast.Name) and value.id in names


def _uses(body: list[ast.stmt], names: Mapping[str, Any], *, skip: list[ast.expr]) -> bool:
    """Whether any statement in `body` mentions one of `names`, other than the nodes in `skip` (also in strings
    such as `__all__` entries and string annotations, which name things without importing them)."""
    skipped = {id(n) for n in skip}
    for node in ast.walk(ast.Module(body=body, type_ignores=[])):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Name) and node.id in names:
            return True
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and any(n in node.value for n in names):
            return True
    return False


class DeferredImportsLoader(importlib.machinery.SourceFileLoader):
    """Loads a module from its source rewritten by `rewrite`, or as written when the rewrite does not apply."""

    def __init__(self, fullname: str, path: str, rewrite: Callable[[ast.Module, str], ast.Module | None],
                 cache_dir: str) -> None:
        super().__init__(fullname, path)
        self.rewrite = rewrite
        self.cache_dir = cache_dir

    def get_code(self, fullname: str) -> CodeType | None:  # type: ignore[override]
        code = self._rewritten()
        return code if code is not None else super().get_code(fullname)

    def exec_module(self, module: ModuleType) -> None:
        module.__dict__[_HELPER] = DeferredClasses
        module.__dict__[lazy_names.INSTALL] = lazy_names.install
        super().exec_module(module)

    def _rewritten(self) -> CodeType | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        stamp = st.st_mtime_ns.to_bytes(8, "little") + st.st_size.to_bytes(8, "little")
        cache = os.path.join(self.cache_dir, f"{self.name}.{importlib.util.MAGIC_NUMBER.hex()}.v{VERSION}")
        try:
            with open(cache, "rb") as f:
                data = f.read()
            if data[:16] == stamp:
                return marshal.loads(data[16:]) if len(data) > 16 else None  # empty: the rewrite does not apply
        except (OSError, ValueError, EOFError, TypeError):
            pass
        tree = self.rewrite(ast.parse(self.get_data(self.path), self.path), self.name.rpartition(".")[0])
        code = compile(tree, self.path, "exec", dont_inherit=True) if tree is not None else None
        try:
            os.makedirs(self.cache_dir, exist_ok=True)
            tmp = f"{cache}.{os.getpid()}.tmp"
            with open(tmp, "wb") as f:
                f.write(stamp + (marshal.dumps(code) if code is not None else b""))
            os.replace(tmp, cache)
        except OSError:
            pass  # a cache: without it the next start rewrites again (~4 ms)
        return code
