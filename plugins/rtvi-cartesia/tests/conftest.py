"""Fixtures: the fake Cartesia TTS WebSocket on 127.0.0.1 (see ``cartesia_fake``)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from cartesia_fake import FakeCartesia, fake_cartesia


@pytest.fixture
async def fake() -> AsyncIterator[FakeCartesia]:
    """The fake, answering far faster than real time (queue faults with ``fail``)."""
    async with fake_cartesia() as server:
        yield server
