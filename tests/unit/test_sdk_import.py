"""The lazy SDK import: the same objects as a plain `import anthropic`, a fraction of the modules, a clean fallback."""

from __future__ import annotations

from pathlib import Path

from tandem.agent.sdk_import import reexports
from tests.servers import python_json


def test_the_client_loads_without_the_re_exported_types(tmp_path: Path) -> None:
    code = """
        import json, sys
        from tandem.agent.sdk_import import import_sdk
        anthropic = import_sdk()
        client = anthropic.AsyncAnthropic(api_key="k")
        client.messages
        print(json.dumps({"modules": sum(m.startswith("anthropic") for m in sys.modules),
                          "vertex": "anthropic.lib.vertex" in sys.modules,
                          "bedrock": "anthropic.lib.bedrock" in sys.modules}))
    """
    lazy = python_json(code, tmp_path)
    eager = python_json(code, tmp_path, TANDEM_EAGER_SDK="1")
    assert not lazy["vertex"] and not lazy["bedrock"]
    assert eager["vertex"] and eager["bedrock"]
    assert lazy["modules"] * 2 < eager["modules"], (lazy, eager)


def test_every_exported_name_is_the_same_object_as_with_a_plain_import(tmp_path: Path) -> None:
    code = """
        import json
        from tandem.agent.sdk_import import import_sdk, reexports
        anthropic = import_sdk()
        import anthropic.types as types
        names = {}
        for module in (anthropic, types):
            exported = module.__all__ if module is anthropic else reexports(module.__file__)
            for name in sorted(exported):
                value = getattr(module, name)
                names[f"{module.__name__}.{name}"] = f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', type(value).__name__)}"
        # a star import, and a name only the root's body defines (from its own star import)
        scope = {}
        exec("from anthropic import *", scope)
        names["star:AsyncAnthropic"] = scope["AsyncAnthropic"].__qualname__
        names["body:AsyncAnthropicVertex"] = anthropic.AsyncAnthropicVertex.__qualname__
        print(json.dumps(names))
    """
    lazy = python_json(code, tmp_path)
    eager = python_json(code, tmp_path, TANDEM_EAGER_SDK="1")
    # the plain import rewrites `__module__` of the root's exports to "anthropic"; the lazy one leaves them be
    normalise = {k: v.split(".")[-1] for k, v in eager.items()}
    assert {k: v.split(".")[-1] for k, v in lazy.items() if k in eager} == normalise
    assert len(lazy) >= len(eager) > 500


def test_a_body_with_effects_is_run_as_usual(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("from .a import A as A\nprint('registered')\n")
    (package / "a.py").write_text("A = 1\n")
    assert reexports(str(package / "__init__.py")) is None
    assert reexports(str(package / "__init__.py"), allow_side_effects=True) == {"A": ("a", "A")}
    (package / "__init__.py").write_text('"""Doc."""\nfrom .a import A\nfrom . import a\nX: int = 2\n__all__ = ["A"]\n')
    assert reexports(str(package / "__init__.py")) == {"A": ("a", "A"), "a": ("a", None)}
    (package / "__init__.py").write_text("from .a import *\n")
    assert reexports(str(package / "__init__.py")) == {}


def test_the_exports_cache_is_written_once_and_reused(tmp_path: Path) -> None:
    code = """
        import json
        from tandem.agent.sdk_import import import_sdk, _cache
        import_sdk()
        print(json.dumps({"dirty_after_save": _cache.dirty, "entries": len(_cache.entries or {})}))
    """
    first = python_json(code, tmp_path)
    cache = tmp_path / "cache" / "tandem" / "sdk-exports.json"
    assert cache.exists() and first["entries"] > 5
    stamp = cache.stat().st_mtime_ns
    python_json(code, tmp_path)
    assert cache.stat().st_mtime_ns == stamp  # nothing new: not rewritten
