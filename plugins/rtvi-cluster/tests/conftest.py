"""A real ``redis-server`` on a free loopback port for the cluster's tests (:mod:`redis_support`).

The stock-client test drives ``@pipecat-ai/client-js`` with the websocket plugin's harness
(``plugins/rtvi-websocket/tests/js_support.py``, and the shared ``tests/browser/``): both
folders are importable from here.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis_support import RedisServer

_REPO = Path(__file__).resolve().parents[3]
for _folder in (_REPO / "plugins" / "rtvi-websocket" / "tests", _REPO / "tests" / "browser"):
    if str(_folder) not in sys.path:
        sys.path.append(str(_folder))


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A fresh ``redis-server`` (no persistence) for one test; skipped when it is not installed."""
    server = RedisServer(tmp_path / "redis")
    server.start()
    try:
        yield server
    finally:
        server.stop()
