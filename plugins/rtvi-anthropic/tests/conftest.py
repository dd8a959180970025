"""Fixtures: the fake Anthropic API on 127.0.0.1 (see ``anthropic_fake``)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from anthropic_fake import FakeAnthropic, fake_anthropic


@pytest.fixture
async def fake() -> AsyncIterator[FakeAnthropic]:
    """The fake, streaming without delay (queue faults with ``fail``)."""
    async with fake_anthropic(token_delay=0) as server:
        yield server


@pytest.fixture
async def paced() -> AsyncIterator[FakeAnthropic]:
    """The fake, streaming 50 tokens a second as the real service does."""
    async with fake_anthropic(token_delay=0.02) as server:
        yield server
