"""Shared fixtures: a workspace, private XDG dirs, the fake Anthropic API, and live-API opt-in."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tandem.agent.fake_api import FakeAnthropic


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--live", action="store_true", help="also run tests against the real Anthropic API")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--live"):
        return
    skip = pytest.mark.skip(reason="talks to the real Anthropic API; run with --live")
    for item in items:
        if "live" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Private state and config homes, so tests never see the developer's sessions."""
    env = {"XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "XDG_CACHE_HOME": str(tmp_path / "cache")}
    for key, value in env.items():
        Path(value).mkdir(parents=True, exist_ok=True)
        monkeypatch.setenv(key, value)
    return env


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "README.md").write_text("# Demo project\n")
    (root / "src").mkdir()
    (root / "src" / "app.py").write_text("def greet(name):\n    return f'Hello, {name}!'\n\n\nprint(greet('world'))\n")
    return root.resolve()


@pytest.fixture
def fake_api():
    with FakeAnthropic(api_key="test-key") as fake:
        yield fake


@pytest.fixture
def server_env(xdg: dict[str, str], fake_api: FakeAnthropic) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
    env.update(xdg)
    env.update({"ANTHROPIC_BASE_URL": fake_api.base_url, "ANTHROPIC_API_KEY": "test-key",
                "TANDEM_MODEL": "claude-sonnet-5-5", "PYTHONUNBUFFERED": "1"})
    return env
