"""The settings every session server shares, and the token-bucket rate limiter."""

from __future__ import annotations

from rtvi_core.records import record, setting


@record
class ServerSettings:
    """What a session server allows, whatever its transport: the ``[transport]`` keys every
    served transport shares (each field's description and limits are declared here; the
    transports' bot-file Configs are derived from them, through
    :class:`~rtvi_core.server.config.ServerConfig`). A transport adds its own keys in a
    subclass (the websocket plugin's ``WebSocketSettings``: pings, the message size).

    ``allowed_origins``: browser origins allowed besides the server's own, non-browser
    clients and (on a loopback server) loopback pages (:mod:`rtvi_core.server.origins`);
    ``allowed_hosts``: ``Host`` names served besides IP addresses, ``localhost`` and the
    listen/public names (:mod:`rtvi_core.server.hosts`). ``start_api_key``: ``POST /start``
    needs ``Authorization: Bearer <key>`` (and then sessions need its token);
    ``start_rate_limit``/``start_rate_burst``: ``POST /start`` per second per client
    address. ``auth``: require a token from ``POST /start`` (``?token=``),
    signed with ``auth_secret`` (random per process when unset) and valid for
    ``token_ttl_secs``. ``max_messages_per_sec``: sustained inbound frames per
    session (audio included), with bursts of twice that; beyond it the session ends.
    ``max_malformed``: malformed messages answered with an RTVI ``error`` before the
    session ends. ``drain_timeout_secs``: on SIGTERM, how long live sessions may go on
    before they are closed. (A WebSocket is closed with 1008, 1008 and 1001: see the
    websocket plugin's close codes.)
    """

    max_sessions: int = setting(
        default=100, description="concurrent sessions; more are refused (503; a WebSocket is closed with 1013)", ge=1
    )
    max_messages_per_sec: float = setting(
        default=200.0,
        description="sustained client messages per second, audio included; beyond it the session ends (WebSocket close 1008); 0 = no limit",
        ge=0,
    )
    max_malformed: int = setting(
        default=20,
        description="malformed messages answered with an RTVI error before the session ends (WebSocket close 1008)",
        ge=1,
    )
    idle_timeout_secs: float = setting(
        default=300.0,
        description="end a session whose client sent nothing this long (WebSocket close 4008); 0 = never",
        ge=0,
    )
    handshake_timeout_secs: float = setting(default=10.0, description="time allowed for the HTTP request", gt=0)
    drain_timeout_secs: float = setting(default=10.0, description="on SIGTERM, how long sessions may go on", ge=0)
    allowed_origins: tuple[str, ...] = setting(
        default=(),
        description="browser origins allowed besides the server's own (and loopback pages when it listens on "
        'loopback): exact ("https://app.example.com"), wildcard ("https://*.example.com", ":*" = any port) or "*"',
    )
    allowed_hosts: tuple[str, ...] = setting(
        default=(),
        description="Host names served besides IP addresses, localhost and the listen/public_url names "
        '(DNS-rebinding guard): exact ("bot.example.com"), wildcard ("*.example.com") or "*" (no check)',
    )
    start_api_key: str | None = setting(
        default=None,
        description='POST /start requires "Authorization: Bearer <key>" (e.g. "${env:RTVI_START_KEY}"); '
        "sessions then need the token it issues",
    )
    start_rate_limit: float = setting(
        default=10.0, description="POST /start per second per client address (429 beyond); 0 = no limit", ge=0
    )
    start_rate_burst: float = setting(default=20.0, description="POST /start burst per client address", ge=1)
    auth: bool = setting(default=False, description="require a signed, expiring token from POST /start (?token=)")
    auth_secret: str | None = setting(
        default=None,
        description='token signing secret (>= 16 chars; e.g. "${env:RTVI_AUTH_SECRET}"); unset = random per process',
    )
    token_ttl_secs: float = setting(default=300.0, description="how long a token stays valid", gt=0)
    public_url: str | None = setting(
        default=None, description="the server's public base URL (behind a proxy): wsUrl becomes <public_url>/ws"
    )


class RateLimiter:
    """A token bucket: ``rate`` per second on average, bursts up to ``burst``."""

    __slots__ = ("_last", "_tokens", "burst", "rate")

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
