"""Fixtures for the real `tandem acp` process driven by the official ACP SDK: one shared server per test module
(the model client's import costs a second or two per process), a fresh session and workspace per test."""

from __future__ import annotations

import pytest
import pytest_asyncio

from tandem.agent.fake_api import FakeAnthropic
from tests.servers import server_environ

from .harness import AcpHarness


@pytest.fixture(scope="module")
def fake_api():
    """Shared by the module's tests (overrides the per-test fake); emptied before each test."""
    with FakeAnthropic(api_key="test-key") as fake:
        yield fake


@pytest.fixture(autouse=True)
def _fresh_fake(fake_api):
    fake_api.reset()


@pytest.fixture(scope="module")
def acp_env(tmp_path_factory: pytest.TempPathFactory, fake_api: FakeAnthropic) -> dict[str, str]:
    return server_environ(tmp_path_factory.mktemp("acp-home"), fake_api.base_url, PYTHONUNBUFFERED="1")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def acp(acp_env):
    """A `tandem acp` whose client serves fs/* and terminal/*."""
    harness = await AcpHarness(acp_env, fs=True, terminal=True).start()
    yield harness
    code = await harness.stop()
    harness.validate()
    assert code == 0


@pytest.fixture(autouse=True)
def _validate_wire(request: pytest.FixtureRequest):
    """After each test, every new message both ways must conform to the official ACP schema."""
    yield
    if "acp" in request.fixturenames:
        request.getfixturevalue("acp").validate()
