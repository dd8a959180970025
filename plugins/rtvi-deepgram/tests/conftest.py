"""Fixtures: the fake Deepgram live API on 127.0.0.1 (see ``deepgram_fake``)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from deepgram_fake import FakeDeepgram, fake_deepgram


@pytest.fixture
async def fake() -> AsyncIterator[FakeDeepgram]:
    """The fake, expecting the key ``deepgram_fake.API_KEY`` (queue faults with ``fail``)."""
    async with fake_deepgram() as server:
        yield server
