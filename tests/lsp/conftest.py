"""Fixtures for end-to-end tests of the real `tandem serve` process."""

from __future__ import annotations

import pytest_asyncio

from .harness import running_tandem


@pytest_asyncio.fixture
async def tandem(server_env, workspace):
    async with running_tandem(server_env, workspace) as client:
        yield client
