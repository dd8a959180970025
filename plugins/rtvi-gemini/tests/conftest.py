"""Fixtures: the fake Gemini API on 127.0.0.1 (see ``gemini_fake``)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from gemini_fake import FakeGemini, fake_gemini


@pytest.fixture
async def fake() -> AsyncIterator[FakeGemini]:
    """The fake, streaming without delay (queue faults with ``fail``)."""
    async with fake_gemini(token_delay=0) as server:
        yield server


@pytest.fixture
async def paced() -> AsyncIterator[FakeGemini]:
    """The fake, streaming 50 tokens a second as the real service does."""
    async with fake_gemini(token_delay=0.02) as server:
        yield server
