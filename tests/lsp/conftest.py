"""Fixtures for end-to-end tests of the real `tandem serve` process."""

from __future__ import annotations

import pytest_asyncio

from .harness import TandemClient


@pytest_asyncio.fixture
async def tandem(server_env, workspace):
    client = TandemClient(server_env)
    await client.start(root=workspace)
    try:
        yield client
    finally:
        await client.stop()
    assert client.schema_errors == [], "messages that break the ACP schema:\n" + "\n".join(client.schema_errors)
