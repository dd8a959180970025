"""``Reservations``: sessions ``POST /start`` promised and a client has not claimed yet.

A transport whose session begins with a later request (WebRTC's offer after
``/start``) keeps ``/start``'s data here under a key it answers with; each
reservation counts against ``max_sessions`` until it is released or expires.
"""

from __future__ import annotations

import uuid
from typing import Any


class Reservations:
    """Keyed reservations, each dropped when its time to live has passed.

    There are at most as many as the server's ``max_sessions`` (each counts against it),
    so expiring scans them all.
    """

    def __init__(self) -> None:
        self._held: dict[str, tuple[float, Any]] = {}  # key -> (expiry, data)

    def reserve(self, data: Any, now: float, ttl_secs: float, key: str | None = None) -> str:
        """Hold a session for ``data`` for ``ttl_secs``; its key (``key``, else a new random one)."""
        self.expire(now)
        key = key if key is not None else uuid.uuid4().hex
        self._held[key] = (now + ttl_secs, data)
        return key

    def get(self, key: str, now: float) -> Any:
        """The data of the reservation ``key``; KeyError if there is none (or it expired)."""
        self.expire(now)
        return self._held[key][1]

    def release(self, key: str) -> None:
        """Drop the reservation ``key`` (claimed: its session runs now, or given up)."""
        self._held.pop(key, None)

    def count(self, now: float) -> int:
        """Reservations held now."""
        self.expire(now)
        return len(self._held)

    def expire(self, now: float) -> None:
        """Drop the reservations that have expired."""
        for key in [key for key, (expiry, _) in self._held.items() if expiry <= now]:
            del self._held[key]
