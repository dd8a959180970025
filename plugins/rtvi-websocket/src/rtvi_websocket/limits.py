"""The server's settings and the per-session inbound rate limiter."""

from __future__ import annotations

from rtvi_core.records import record


@record
class ServerSettings:
    """What the server allows; the ``[transport]`` keys of a websocket bot file.

    ``allowed_origins``: browser origins allowed besides the server's own, non-browser
    clients and (on a loopback server) loopback pages (:mod:`rtvi_websocket.origins`);
    ``allowed_hosts``: ``Host`` names served besides IP addresses, ``localhost`` and the
    listen/public names (:mod:`rtvi_websocket.hosts`). ``start_api_key``: ``POST /start``
    needs ``Authorization: Bearer <key>`` (and then sessions need its token);
    ``start_rate_limit``/``start_rate_burst``: ``POST /start`` per second per client
    address. ``ping_interval_secs``/``ping_timeout_secs``: WebSocket keepalive pings; a
    peer that leaves one unanswered that long is dropped. ``auth``: require a token from ``POST /start`` (``?token=``),
    signed with ``auth_secret`` (random per process when unset) and valid for
    ``token_ttl_secs``. ``max_messages_per_sec``: sustained inbound frames per
    session (audio included), with bursts of twice that; beyond it the session is
    closed with 1008. ``max_malformed``: malformed frames answered with an RTVI
    ``error`` before the session is closed with 1008. ``drain_timeout_secs``: on
    SIGTERM, how long live sessions may go on before they are closed with 1001.
    """

    max_sessions: int = 100
    max_message_bytes: int = 1024 * 1024 + 1024
    max_messages_per_sec: float = 200.0
    max_malformed: int = 20
    idle_timeout_secs: float = 300.0
    handshake_timeout_secs: float = 10.0
    drain_timeout_secs: float = 10.0
    allowed_origins: tuple[str, ...] = ()
    allowed_hosts: tuple[str, ...] = ()
    start_api_key: str | None = None
    start_rate_limit: float = 10.0
    start_rate_burst: float = 20.0
    ping_interval_secs: float = 20.0
    ping_timeout_secs: float = 20.0
    auth: bool = False
    auth_secret: str | None = None
    token_ttl_secs: float = 300.0
    public_url: str | None = None


class RateLimiter:
    """A token bucket: ``rate`` per second on average, bursts up to ``burst``."""

    __slots__ = ("rate", "burst", "_tokens", "_last")

    def __init__(self, rate: float, burst: float, now: float) -> None:
        self.rate = rate
        self.burst = burst
        self._tokens = burst
        self._last = now

    def allow(self, now: float) -> bool:
        """Take one token if there is one."""
        tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
        self._last = now
        if tokens < 1.0:
            self._tokens = tokens
            return False
        self._tokens = tokens - 1.0
        return True

    def wait_time(self) -> float:
        """Seconds until a token is available again (as of the last :meth:`allow`)."""
        return max(0.0, (1.0 - self._tokens) / self.rate) if self.rate > 0 else 0.0
