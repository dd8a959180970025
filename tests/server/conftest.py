"""The server core's tests. Those end to end serve the websocket transport's test bot
and use its test client (``server_support``: ``serving()``, ``client()``, ``request()``)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "plugins" / "rtvi-websocket" / "tests"))
