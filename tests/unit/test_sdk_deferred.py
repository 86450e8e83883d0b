"""The SDK modules loaded with deferred imports: the rewrites apply to the installed SDK, the client loads without the
deferred types, and errors and OpenTelemetry tracing behave exactly as with a plain import."""

from __future__ import annotations

import ast
import importlib.util
import json
import textwrap
from pathlib import Path

import pytest

from tandem.agent.lazy_names import defer_call_time_names
from tandem.agent.sdk_deferred import DEFERRALS, DeferredClasses, defer_error_classes
from tests.servers import python_json


@pytest.mark.parametrize("module", sorted(DEFERRALS))
def test_each_rewrite_applies_to_the_installed_sdk(module: str) -> None:
    # When an SDK upgrade makes one stop applying, the module still loads as written (slower): this says so.
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    assert DEFERRALS[module](tree, module.rpartition(".")[0]) is not None, f"{module}: the rewrite no longer applies"


def test_the_client_loads_without_the_deferred_types(tmp_path: Path) -> None:
    code = """
        import json, sys
        from tandem.agent.sdk_import import import_sdk
        import_sdk().AsyncAnthropic(api_key="k")
        loaded = [m for m in sys.modules if m.startswith("anthropic")]
        print(json.dumps({"count": len(loaded), "loaded": loaded}))
    """
    lazy = python_json(code, tmp_path)
    for module in ("anthropic.types.message_create_params", "anthropic.types.beta.message_create_params",
                   "anthropic.lib._tracing._streaming", "anthropic.types.file_expired_error",
                   "anthropic.types.beta.beta_message"):
        assert module not in lazy["loaded"]
    assert lazy["count"] < 400, lazy["count"]


def test_the_error_table_gives_the_same_classes_and_errors(tmp_path: Path) -> None:
    code = """
        import json
        import httpx2
        from tandem.agent.sdk_import import import_sdk
        import_sdk().AsyncAnthropic(api_key="k")
        from anthropic._error_classes import ERROR_CLASSES, make_status_error
        made = {}
        for status, body in [(404, {"type": "error", "error": {"type": "not_found_error", "message": "gone",
                                                                "details": {"error_code": "file_expired"}}}),
                             (429, {"type": "error", "error": {"type": "rate_limit_error", "message": "slow"}}),
                             (400, {"type": "error", "error": {"type": "invalid_request_error", "message": "no"}}),
                             (503, None), (418, None)]:
            response = httpx2.Response(status, request=httpx2.Request("POST", "https://api.anthropic.com/v1/messages"))
            error = make_status_error("m", body=body, response=response)
            made[str(status)] = [type(error).__qualname__, error.status_code]
        # names only: the plain import renames its root exports' __module__ to "anthropic" (see test_sdk_import.py)
        table = {repr(k): v.__qualname__ for k, v in ERROR_CLASSES.items()}
        print(json.dumps({"made": made, "table": table}))
    """
    lazy = python_json(code, tmp_path)
    eager = python_json(code, tmp_path, TANDEM_EAGER_SDK="1")
    assert lazy == eager
    assert lazy["made"]["404"][0] == "FileExpiredError" and len(lazy["table"]) > 100


def test_tracing_records_the_same_spans_as_with_a_plain_import(tmp_path: Path) -> None:
    # Every deferred name of the tracing modules is read while a span records a streamed and a plain messages call.
    code = """
        import asyncio, json
        from opentelemetry import trace
        from tandem.agent.fake_api import FakeAnthropic, Reply
        from tandem.agent.sdk_import import import_sdk

        spans = []

        class Span(trace.NonRecordingSpan):
            def __init__(self, name):
                super().__init__(trace.INVALID_SPAN_CONTEXT)
                self.record = {"name": name, "attributes": {}, "status": None, "ended": False}
                spans.append(self.record)
            def is_recording(self): return True
            def set_attribute(self, key, value): self.record["attributes"][key] = value
            def set_attributes(self, attributes): self.record["attributes"].update(attributes)
            def set_status(self, status, description=None):
                self.record["status"] = getattr(getattr(status, "status_code", status), "name", str(status))
            def add_event(self, name, attributes=None, timestamp=None): pass
            def end(self, end_time=None): self.record["ended"] = True

        class Tracer(trace.NoOpTracer):
            def start_span(self, name, *args, **kwargs): return Span(name)

        class Provider(trace.NoOpTracerProvider):
            def get_tracer(self, *args, **kwargs): return Tracer()

        async def main(url):
            anthropic = import_sdk()
            client = anthropic.AsyncAnthropic(api_key="k", base_url=url, max_retries=0, open_telemetry={
                "tracer_provider": Provider(), "traces": {"content_mode": "content"}})
            messages = [{"role": "user", "content": "Say hi."}]
            stream = await client.messages.create(model="claude-sonnet-5-5", max_tokens=50, messages=messages,
                                                  stream=True)
            async for _ in stream:
                pass
            await client.messages.create(model="claude-sonnet-5-5", max_tokens=50, messages=messages)

        with FakeAnthropic(default_reply=Reply.text("Hello there.")) as fake:
            asyncio.run(main(fake.base_url))
        volatile = ("id", "time", "duration", "url.full", "port")  # the fake's port differs between the two runs
        print(json.dumps([{**s, "attributes": {k: v for k, v in s["attributes"].items()
                                                if not any(w in k for w in volatile)}} for s in spans], default=str))
    """
    lazy = python_json(code, tmp_path)
    eager = python_json(code, tmp_path, TANDEM_EAGER_SDK="1")
    assert lazy == eager
    assert len(lazy) == 2 and all(span["ended"] for span in lazy)
    assert any("Hello there." in json.dumps(span["attributes"]) for span in lazy)  # content recorded, streamed too


def test_deferred_classes_import_on_lookup_only() -> None:
    table = DeferredClasses({1: ("json", "JSONDecoder"), 2: int})
    assert 1 in table and 3 not in table and len(table) == 2
    assert table._table[1] == ("json", "JSONDecoder")  # membership did not import
    assert table.get(1).__name__ == "JSONDecoder" and table[2] is int and table.get(3) is None


def test_the_error_table_rewrite_refuses_a_class_used_elsewhere() -> None:
    source = ("from ._exceptions import APIStatusError\nfrom .types.a_error import AError\n"
              "ERROR_CLASSES = {(400, 'a'): AError, (500, None): APIStatusError}\n")
    assert defer_error_classes(ast.parse(source), "pkg") is not None
    assert defer_error_classes(ast.parse(source + "CHECK = AError\n"), "pkg") is None


def _rewritten(source: str) -> str | None:
    tree = defer_call_time_names(ast.parse(textwrap.dedent(source)), "pkg.sub", only=lambda m: m.startswith("pkg.t"))
    return None if tree is None else ast.unparse(tree)


def test_names_used_only_in_functions_are_deferred_and_others_are_not() -> None:
    out = _rewritten("""
        from __future__ import annotations
        from ..types import Lazy, Eager, InClass, Shadowed, Default
        from ..tmodule import Other
        from os import path
        Alias = Lazy | Other
        def f(x: Lazy, d=Default) -> Lazy:
            return isinstance(x, Lazy) or path
        def g(Shadowed):
            return Shadowed
        class C(Eager):
            field: InClass
    """)
    assert out is not None
    table = out.splitlines()[1]
    assert table.startswith("__tandem_defer__(globals(), {'Lazy': ('pkg.types', 'Lazy')")
    assert "'Other': ('pkg.tmodule', 'Other')" in table and "'Alias': lambda:" in table
    for kept in ("Eager", "InClass", "Shadowed", "Default"):
        assert f"'{kept}'" not in table
    assert "isinstance(x, __tandem_lazy__('Lazy'))" in out
    assert "def f(x: Lazy, d=Default) -> Lazy:" in out  # annotations are left as written
    assert "from os import path" in out


def test_an_alias_used_at_import_time_keeps_its_names() -> None:
    out = _rewritten("""
        from __future__ import annotations
        from ..types import A, B
        Alias = A | B
        Chained = list[Alias]
        print(Chained)
        def f():
            return B
    """)
    assert out is None  # print reads Chained, which reads Alias, which reads A and B, at import time


def test_without_future_annotations_signatures_are_import_time() -> None:
    assert _rewritten("from ..types import A\ndef f(x: A):\n    return x\n") is None
    assert _rewritten("from __future__ import annotations\nfrom ..types import A\ndef f(x: A):\n    return A\n")


def test_a_name_bound_twice_is_left_alone() -> None:
    head = "from __future__ import annotations\nfrom ..types import A\n"
    assert _rewritten(head + "def f():\n    return A\n")
    assert _rewritten(head + "import os as A\ndef f():\n    return A\n") is None
    assert _rewritten(head + "def f():\n    global A\n    A = 1\n") is None
    assert _rewritten(head + "def f():\n    from os import path as A\n    return A\n") is None


def test_a_module_with_its_own_getattr_is_left_alone() -> None:
    assert _rewritten("from __future__ import annotations\nfrom ..types import A\n"
                      "def f():\n    return A\ndef __getattr__(name):\n    raise AttributeError(name)\n") is None


def test_a_rewritten_module_runs_and_resolves_on_first_use(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "types").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "types" / "__init__.py").write_text("from .heavy import Heavy\n")
    (package / "types" / "heavy.py").write_text("import sys\nsys.heavy_loaded = True\nclass Heavy: pass\n")
    source = ("from __future__ import annotations\nfrom .types import Heavy\nAlias = Heavy | None\n"
              "def check(x) -> bool:\n    return isinstance(x, Heavy)\nAT_IMPORT = check(1)\n")
    tree = defer_call_time_names(ast.parse(source), "pkg", only=lambda m: m.startswith("pkg.types"))
    assert tree is not None
    (package / "light.py").write_text(ast.unparse(tree))
    code = f"""
        import json, sys
        sys.path.insert(0, {str(tmp_path)!r})
        from tandem.agent.lazy_names import install, INSTALL
        import builtins
        setattr(builtins, INSTALL, install)
        import pkg.light as light
        at_import = getattr(sys, "heavy_loaded", False)  # check() ran at import: it had to load Heavy then
        del sys.heavy_loaded
        import importlib
        print(json.dumps({{"at_import": at_import, "alias": str(light.Alias),
                          "same": light.Heavy is importlib.import_module("pkg.types.heavy").Heavy,
                          "missing": hasattr(light, "Nope")}}))
    """
    out = python_json(code, tmp_path)
    assert out == {"at_import": True, "alias": "pkg.types.heavy.Heavy | None", "same": True, "missing": False}
