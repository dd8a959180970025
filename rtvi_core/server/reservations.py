"""``Reservations``: sessions ``POST /start`` promised and a client has not claimed yet.

A transport whose session begins with a later request (WebRTC's offer after
``/start``) keeps ``/start``'s data here under a key it answers with; each
reservation counts against ``max_sessions`` until it is released or expires.
"""

from __future__ import annotations

import uuid
from typing import Any


class Reservations:
    """Keyed reservations, each dropped ``ttl_secs`` after it was made."""

    def __init__(self, ttl_secs: float) -> None:
        self.ttl_secs = ttl_secs
        self._held: dict[str, tuple[float, Any]] = {}  # key -> (expiry, data), oldest first

    def reserve(self, data: Any, now: float, key: str | None = None) -> str:
        """Hold a session for ``data``; its key (``key``, else a new random one)."""
        self.expire(now)
        key = key if key is not None else uuid.uuid4().hex
        self._held.pop(key, None)  # a new expiry: to the end of the queue
        self._held[key] = (now + self.ttl_secs, data)
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
        held = self._held
        while held:
            key, (expiry, _) = next(iter(held.items()))
            if expiry > now:
                return
            del held[key]
