"""Rewrites a module so that names it imports only for use inside its functions are imported on first use."""

# PEP 690's lazy imports for one module at a time, as an AST rewrite. A name bound by a module-level
# `from X import Name` (or a module-level alias over such names, `Alias = A | B`) whose every use is inside a
# function body, or in an annotation that `from __future__ import annotations` keeps a string, is no longer
# bound at import: uses inside functions become `__tandem_lazy__("Name")`, which imports it the first time and keeps
# it in the module's globals, and a PEP 562 `__getattr__` serves `module.Name` and `from module import Name`.
# Anything that could see the difference stays as written: a name used at module or class level (class bodies run at
# import, and TypedDicts and pydantic models read their annotations), rebound anywhere, shadowed by a parameter or
# a local, or a module that defines its own `__getattr__`. Calls made while the module is being imported still work:
# the helper is installed first.

from __future__ import annotations

import ast
import importlib
import importlib.util
from collections import Counter
from collections.abc import Callable
from typing import Any

LAZY, INSTALL = "__tandem_lazy__", "__tandem_defer__"


def install(namespace: dict[str, Any], imports: dict[str, tuple[str, str | None]],
            aliases: dict[str, Callable[[], Any]]) -> None:
    """Called first thing by a rewritten module: sets up its lazy lookup and its module `__getattr__`."""

    def lazy(name: str) -> Any:
        try:
            return namespace[name]
        except KeyError:
            pass
        if name in imports:
            module, attr = imports[name]
            target = importlib.import_module(module)
            if attr is None:
                value = target
            else:
                try:
                    value = getattr(target, attr)
                except AttributeError:  # `from package import submodule`, as the import statement would
                    value = importlib.import_module(f"{module}.{attr}")
        else:
            value = aliases[name]()
        namespace[name] = value
        return value

    def __getattr__(name: str) -> Any:
        if name in imports or name in aliases:
            return lazy(name)
        raise AttributeError(f"module {namespace['__name__']!r} has no attribute {name!r}")

    namespace[LAZY] = lazy
    namespace["__getattr__"] = __getattr__


def defer_call_time_names(tree: ast.Module, package: str, *, only: Callable[[str], bool]) -> ast.Module | None:
    """The rewrite, for names imported from modules for which `only(module)` holds; None when nothing qualifies."""
    future = any(isinstance(n, ast.ImportFrom) and n.module == "__future__" and any(a.name == "annotations"
                 for a in n.names) for n in tree.body)
    imports: dict[str, tuple[str, str | None]] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module != "__future__" and all(a.name != "*" for a in node.names):
            module = importlib.util.resolve_name("." * node.level + (node.module or ""), package) \
                if node.level else node.module or ""
            if only(module):
                imports.update({a.asname or a.name: (module, a.name) for a in node.names})
    aliases: dict[str, ast.Assign] = {}
    while True:  # `A = Imported | B` and `C = Callable[[], A]`: aliases over candidates are candidates
        more = {n.targets[0].id: n for n in tree.body if isinstance(n, ast.Assign) and len(n.targets) == 1
                and isinstance(n.targets[0], ast.Name) and _names(n.value) & (imports.keys() | aliases.keys())}
        if more.keys() == aliases.keys():
            break
        aliases = more
    scan = _Scan(future, set(imports) | set(aliases), skip=[a.value for a in aliases.values()])
    scan.visit(tree)
    if scan.binds["__getattr__"] or scan.binds[LAZY] or scan.binds[INSTALL]:
        return None
    rebound = {n for n in scan.candidates if scan.binds[n] > 1}  # more than its own import or alias statement
    deferred = scan.candidates - rebound - scan.eager
    changed = True
    while changed:  # an alias kept as written reads what it names at import time
        changed = False
        for name, node in aliases.items():
            if name not in deferred and _names(node.value) & deferred:
                deferred -= _names(node.value)
                changed = True
    deferred_imports = {k: v for k, v in imports.items() if k in deferred}
    deferred_aliases = {k: v for k, v in aliases.items() if k in deferred}
    if not deferred_imports:
        return None
    body: list[ast.stmt] = []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module != "__future__":
            node.names = [a for a in node.names if (a.asname or a.name) not in deferred_imports]
            if not node.names:
                continue
        if any(node is alias for alias in deferred_aliases.values()):
            continue
        body.append(node)
    _Rewrite(deferred).visit(ast.Module(body=body, type_ignores=[]))
    table = ast.parse(f"{INSTALL}(globals(), {deferred_imports!r}, {{}})").body[0]
    call = table.value  # type: ignore[attr-defined]
    call.args[2] = ast.Dict([ast.Constant(k) for k in deferred_aliases],
                            [ast.Lambda(_no_args(), _Rewrite(deferred).visit(v.value))
                             for v in deferred_aliases.values()])
    at = next((i for i, n in enumerate(body) if not (_is_docstring(n) or
               (isinstance(n, ast.ImportFrom) and n.module == "__future__"))), len(body))
    tree.body = [*body[:at], table, *body[at:]]
    return ast.fix_missing_locations(tree)


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _no_args() -> ast.arguments:
    return ast.arguments(posonlyargs=[], args=[], vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])


def _is_docstring(node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


class _Scan(ast.NodeVisitor):
    """Which candidate names are read at import time (module or class level), and how often each name is bound."""

    def __init__(self, future_annotations: bool, candidates: set[str], *, skip: list[ast.expr]) -> None:
        self.future = future_annotations
        self.candidates = candidates
        self.skip = {id(n) for n in skip}  # the aliases' values: read when the alias is, decided after the scan
        self.eager: set[str] = set()
        self.binds: Counter[str] = Counter()  # assignments, imports, definitions, parameters, global statements
        self.in_function = False

    def visit(self, node: ast.AST) -> Any:
        if id(node) not in self.skip:
            return super().visit(node)
        return None

    def visit_Name(self, node: ast.Name) -> None:
        if not isinstance(node.ctx, ast.Load):
            self.binds[node.id] += 1
        elif not self.in_function and node.id in self.candidates:
            self.eager.add(node.id)

    def visit_Global(self, node: ast.Global | ast.Nonlocal) -> None:
        self.binds.update(node.names)

    visit_Nonlocal = visit_Global  # type: ignore[assignment]

    def visit_alias(self, node: ast.alias) -> None:
        self.binds[node.asname or node.name.split(".")[0]] += 1

    def visit_arg(self, node: ast.arg) -> None:
        self.binds[node.arg] += 1
        if node.annotation is not None:
            self._annotation(node.annotation)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.binds[node.name] += 1
        for decorator in node.decorator_list:
            self.visit(decorator)
        self._signature(node.args)
        if node.returns is not None:
            self._annotation(node.returns)
        self._in_body(node.body)

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._signature(node.args)
        self._in_body([node.body])

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.binds[node.name] += 1
        self.generic_visit(node)  # bases, decorators and the body all run when the class is made

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self.visit(node.target)
        if node.value is not None:
            self.visit(node.value)
        if not self.in_function:  # module and class level: kept in __annotations__, read by TypedDict & co.
            self.visit(node.annotation)

    def _signature(self, args: ast.arguments) -> None:
        for default in [*args.defaults, *(d for d in args.kw_defaults if d is not None)]:
            self.visit(default)  # evaluated when the function is made
        for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
            if arg is not None:
                self.visit_arg(arg)

    def _annotation(self, node: ast.expr) -> None:
        if not self.future:  # with the future import a string at run time, which nothing in these modules evaluates
            self.visit(node)

    def _in_body(self, body: list[Any]) -> None:
        was, self.in_function = self.in_function, True
        for stmt in body:
            self.visit(stmt)
        self.in_function = was


class _Rewrite(ast.NodeTransformer):
    """Reads of deferred names inside function bodies become `__tandem_lazy__("Name")`."""

    def __init__(self, deferred: set[str]) -> None:
        self.deferred = deferred

    def visit_arg(self, node: ast.arg) -> ast.arg:
        return node  # annotations stay as written: strings at run time

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.AST:
        node.decorator_list = [self.visit(d) for d in node.decorator_list]
        node.args = self.visit(node.args)
        node.body = [self.visit(stmt) for stmt in node.body]
        return node

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST:
        node.target = self.visit(node.target)
        if node.value is not None:
            node.value = self.visit(node.value)
        return node

    def visit_Name(self, node: ast.Name) -> ast.expr:
        if isinstance(node.ctx, ast.Load) and node.id in self.deferred:
            return ast.copy_location(ast.Call(ast.Name(LAZY, ast.Load()), [ast.Constant(node.id)], []), node)
        return node
