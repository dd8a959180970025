"""A real ``redis-server`` on a free loopback port for the cluster's tests (:mod:`redis_support`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from redis_support import RedisServer


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A fresh ``redis-server`` (no persistence) for one test; skipped when it is not installed."""
    server = RedisServer(tmp_path / "redis")
    server.start()
    try:
        yield server
    finally:
        server.stop()
