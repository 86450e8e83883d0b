"""Reliability tests: protocol fuzzing, long sessions with compaction, many sessions, /compact and /retry.

Every test here drives real `tandem serve` / `tandem acp` processes against the fake Anthropic API. The whole folder
runs in about two to three minutes on two cores; `-m "not reliability"` leaves it out of a quick run."""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_asyncio

from tandem.agent.fake_api import FakeAnthropic
from tests.lsp.harness import TandemClient, running_tandem
from tests.servers import fast_start

from .rawclient import RawClient

__all__ = ["TandemClient", "fast_start"]  # for the tests that start servers of their own


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "reliability: long-running robustness tests (tests/reliability)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.reliability)


@pytest.fixture
def rel_env(server_env: dict[str, str]) -> dict[str, str]:
    return fast_start({**server_env, "TANDEM_RETRY_MAX_DELAY": "0.05", "TANDEM_RETRY_BUDGET": "2"})


@pytest_asyncio.fixture
async def lsp(rel_env, workspace):
    async with running_tandem(rel_env, workspace) as client:
        yield client


@pytest.fixture(scope="module")
def fake_module_api():
    """One fake Anthropic API for a module's long-lived servers (the fuzzers')."""
    with FakeAnthropic() as fake:
        yield fake


@pytest.fixture
def raw_clients():
    """Raw clients a test starts (append them): killed if still running, and stopped, when the test ends."""
    started: list[RawClient] = []
    yield started
    for client in started:
        if client.alive:
            client.proc.kill()
        client.stop()
