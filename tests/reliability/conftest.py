"""Reliability tests: protocol fuzzing, long sessions with compaction, many sessions, /compact and /retry.

Every test here drives real `tandem serve` / `tandem acp` processes against the fake Anthropic API. The whole folder
runs in about two to three minutes on two cores; `-m "not reliability"` leaves it out of a quick run."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import pytest_asyncio

from tests.lsp.harness import TandemClient


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "reliability: long-running robustness tests (tests/reliability)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.reliability)


def fast_start(env: dict[str, str]) -> dict[str, str]:
    """Compiled modules kept outside the repo, so each server start does not recompile the model SDK."""
    env = dict(env)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.setdefault("PYTHONPYCACHEPREFIX", str(Path(tempfile.gettempdir()) / "tandem-test-pycache"))
    return env


@pytest.fixture
def rel_env(server_env: dict[str, str]) -> dict[str, str]:
    return fast_start({**server_env, "TANDEM_RETRY_MAX_DELAY": "0.05", "TANDEM_RETRY_BUDGET": "2"})


@pytest_asyncio.fixture
async def lsp(rel_env, workspace):
    client = TandemClient(rel_env)
    await client.start(root=workspace)
    try:
        yield client
    finally:
        await client.stop()
    assert client.schema_errors == [], "messages that break the ACP schema:\n" + "\n".join(client.schema_errors)
