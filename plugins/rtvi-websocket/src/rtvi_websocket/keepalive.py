"""``Keepalive``: WebSocket pings that find a peer which has silently gone away.

A client that vanishes without closing (laptop lid shut, NAT mapping dropped, process
frozen) leaves a half-open TCP connection that the server cannot tell from a quiet
one. Every ``interval`` seconds a ping goes out; a peer that has not answered it within
``timeout`` seconds is given up (browsers and every WebSocket library answer pings by
themselves). A client that answers pings but sends nothing is still covered by the
idle timeout, which only data messages reset.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable


class Keepalive:
    """Sends a ping every ``interval`` s through ``send_ping``; calls ``on_timeout`` when one goes unanswered."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        send_ping: Callable[[bytes], None],
        on_timeout: Callable[[], None],
        *,
        interval: float,
        timeout: float,
    ) -> None:
        self._loop = loop
        self._send_ping = send_ping
        self._on_timeout = on_timeout
        self._interval = interval
        self._timeout = timeout
        self._payload = b""
        self._timer: asyncio.TimerHandle | None = loop.call_later(interval, self._ping)

    def pong(self, payload: bytes) -> None:
        """A pong arrived: if it answers the ping in flight, schedule the next ping."""
        if self._payload and payload == self._payload:
            self._payload = b""
            self._reschedule(self._interval, self._ping)

    def stop(self) -> None:
        """No more pings (the connection is closing)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _ping(self) -> None:
        self._payload = os.urandom(4)
        self._reschedule(self._timeout, self._expired)
        self._send_ping(self._payload)

    def _expired(self) -> None:
        self._timer = None
        self._on_timeout()

    def _reschedule(self, delay: float, callback: Callable[[], None]) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self._loop.call_later(delay, callback)
