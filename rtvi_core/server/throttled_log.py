"""``ThrottledLog``: log a refusal once per key (an origin, a host) per interval.

Refusals are worth a WARNING — a developer whose page is refused must see why, in the
server log — but a page retrying in a loop, or an attacker, must not flood the log.
The keys come from clients, so the table is bounded: the oldest key is forgotten first.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict


class ThrottledLog:
    """Logs ``message`` for ``key`` at most once per ``interval`` seconds."""

    def __init__(self, logger: logging.Logger, *, interval: float = 60.0, max_keys: int = 1024) -> None:
        self._logger = logger
        self._interval = interval
        self._max_keys = max_keys
        self._last: OrderedDict[str, float] = OrderedDict()

    def warning(self, key: str, message: str, *args: object) -> bool:
        """Log at WARNING unless ``key`` was logged less than ``interval`` ago; True if logged."""
        now = time.monotonic()
        last = self._last.get(key)
        if last is not None and now - last < self._interval:
            return False
        self._last[key] = now
        self._last.move_to_end(key)
        while len(self._last) > self._max_keys:
            self._last.popitem(last=False)
        self._logger.warning(message, *args)
        return True
