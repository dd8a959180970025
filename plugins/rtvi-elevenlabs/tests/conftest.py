"""Fixtures: the fake ElevenLabs WebSocket on 127.0.0.1 (see ``elevenlabs_fake``)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from elevenlabs_fake import FakeElevenLabs, fake_elevenlabs


@pytest.fixture
async def fake() -> AsyncIterator[FakeElevenLabs]:
    """The fake, answering without delay (queue faults with ``fail``)."""
    async with fake_elevenlabs() as server:
        yield server


@pytest.fixture
async def paced() -> AsyncIterator[FakeElevenLabs]:
    """The fake, a little slower (still far faster than real time), so that interruptions land mid-text."""
    async with fake_elevenlabs(chunk_delay=0.005) as server:
        yield server
