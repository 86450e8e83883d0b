"""Imports the anthropic SDK with its re-export-only package `__init__` files resolved name by name, on first use."""

# `import anthropic` executes ~3,500 modules and builds ~1,500 pydantic classes (about 1 s and 55 MiB here), almost
# all of them pulled in by package __init__ files that re-export every type (beta, organization, managed agents, the
# Vertex/Bedrock clients). Those __init__ files are lists of `from .x import Name`. This finder loads such a package
# without running its body: it reads the `from .x import Name` lines, and a module-level __getattr__ (PEP 562)
# imports `.x` the first time `Name` is asked for. Any other name (a star import, something the body computes) runs
# the real body once, so every attribute the SDK defines is still there, and the same objects as with a plain import.
# Two modules also load with some imports deferred (sdk_deferred.py). Only the anthropic package is affected.
# TANDEM_EAGER_SDK=1 turns all of it off.

from __future__ import annotations

import ast
import gc
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
import threading
from types import ModuleType
from typing import Any

from .sdk_deferred import DEFERRALS, DeferredImportsLoader

ROOT = "anthropic"


class _LazyPackageLoader(importlib.abc.Loader):
    """Sets up a package module whose exported names are imported on first access."""

    def __init__(self, real: importlib.abc.Loader, exports: dict[str, tuple[str, str | None]]) -> None:
        self.real = real
        self.exports = exports

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self.real.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        name, exports, real, lock = module.__name__, self.exports, self.real, threading.Lock()
        ran_body = False

        def __getattr__(attr: str) -> Any:
            nonlocal ran_body
            if attr.startswith("__") and attr != "__all__":  # the one dunder worth running the body for
                raise AttributeError(f"module {name!r} has no attribute {attr!r}")
            if attr in exports and not ran_body:
                sub, real_name = exports[attr]
                target = importlib.import_module(f"{name}.{sub}")
                value = target if real_name is None else getattr(target, real_name)
                setattr(module, attr, value)
                return value
            if importlib.util.find_spec(f"{name}.{attr}") is not None:
                return importlib.import_module(f"{name}.{attr}")
            with lock:
                if not ran_body:
                    ran_body = True
                    module.__dict__.pop("__getattr__", None)
                    real.exec_module(module)
            try:
                return module.__dict__[attr]
            except KeyError:
                raise AttributeError(f"module {name!r} has no attribute {attr!r}") from None

        module.__getattr__ = __getattr__  # type: ignore[method-assign]
        if name == ROOT:  # the one side effect of the root's body that matters: ANTHROPIC_LOG
            importlib.import_module(f"{ROOT}._utils._logs").setup_logging()

    def __getattr__(self, attr: str) -> Any:  # get_resource_reader and friends
        return getattr(self.real, attr)


class _LazyPackageFinder(importlib.abc.MetaPathFinder):
    """Finds anthropic's packages with the path finder, then swaps in the lazy loader where the body allows it."""

    def find_spec(self, fullname: str, path: Any, target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != ROOT and not fullname.startswith(ROOT + "."):
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None or not spec.origin:
            return spec
        if fullname in DEFERRALS and isinstance(spec.loader, importlib.machinery.SourceFileLoader):
            spec.loader = DeferredImportsLoader(fullname, spec.origin, DEFERRALS[fullname], cache_dir())
            return spec
        if spec.submodule_search_locations is None:
            return spec
        exports = _cache.reexports(spec.origin, allow_side_effects=fullname == ROOT)
        if exports is not None:
            spec.loader = _LazyPackageLoader(spec.loader, exports)
        return spec


def reexports(init_path: str, *, allow_side_effects: bool = False) -> dict[str, tuple[str, str | None]] | None:
    """Map each name an __init__ re-exports to (submodule, name in it, or None for the submodule itself).

    None when the body runs code for its effects (a call, a loop: it may register something that cannot wait),
    unless allow_side_effects. Names the body binds any other way wait for the real body.
    """
    try:
        with open(init_path, encoding="utf-8") as f:
            tree = ast.parse(f.read(), init_path)
    except (OSError, SyntaxError, ValueError):
        return None
    exports: dict[str, tuple[str, str | None]] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level == 1 and all(a.name != "*" for a in node.names):
            for alias in node.names:
                if node.module is None:
                    exports[alias.asname or alias.name] = (alias.name, None)
                else:
                    exports[alias.asname or alias.name] = (node.module, alias.name)
        elif isinstance(node, _EFFECTS) and not _is_docstring(node) and not allow_side_effects:
            return None
        # anything else binds names (helpers, aliases, `__all__`): they wait for the body, run on first use
    return exports


_EFFECTS = (ast.Expr, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Delete, ast.Global, ast.Raise,
            ast.Assert, ast.Match)


def _is_docstring(node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)


def cache_dir() -> str:
    """Where what the SDK import learns is kept between processes: $XDG_CACHE_HOME/tandem."""
    return os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "tandem")


class _ExportsCache:
    """What reexports() found per __init__ (parsing them all costs ~20 ms), kept in the user's cache directory."""

    def __init__(self) -> None:
        self.entries: dict[str, Any] | None = None
        self.dirty = False

    @property
    def path(self) -> str:
        return os.path.join(cache_dir(), "sdk-exports.json")

    def reexports(self, init_path: str, *, allow_side_effects: bool) -> dict[str, tuple[str, str | None]] | None:
        if self.entries is None:
            self.entries = self._load()
        try:
            st = os.stat(init_path)
        except OSError:
            return None
        key, stamp = f"{init_path}:{int(allow_side_effects)}", [st.st_mtime_ns, st.st_size]
        hit = self.entries.get(key)
        if hit is not None and hit[0] == stamp:
            return None if hit[1] is None else {k: (v[0], v[1]) for k, v in hit[1].items()}
        found = reexports(init_path, allow_side_effects=allow_side_effects)
        self.entries[key] = [stamp, found]
        self.dirty = True
        return found

    def _load(self) -> dict[str, Any]:
        try:
            with open(self.path, encoding="utf-8") as f:
                data = json.load(f)
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    def save(self) -> None:
        if not self.dirty or self.entries is None:
            return
        self.dirty = False
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            tmp = f"{self.path}.{os.getpid()}.tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(self.entries, f)
            os.replace(tmp, self.path)
        except OSError:
            pass  # a cache: without it the next start parses again


_cache = _ExportsCache()
_finder = _LazyPackageFinder()


def import_sdk() -> ModuleType:
    """`import anthropic`, lazily resolved unless the SDK is already loaded or TANDEM_EAGER_SDK=1."""
    module = sys.modules.get(ROOT)
    if module is not None:
        return module
    if os.environ.get("TANDEM_EAGER_SDK") != "1" and _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)
    # building ~500 classes triggers a collection every few hundred allocations, each walking every young object;
    # none of it is garbage, so collect nothing until the SDK is in, then move it all out of the collector's sight
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        module = importlib.import_module(ROOT)
        _ = module.AsyncAnthropic  # the client and what it imports: the part every model call needs
    finally:
        _cache.save()
        if was_enabled:
            gc.freeze()
            gc.enable()
    return module
