"""``StartGuard``: who may call ``POST /start``, and how often.

* A per-IP token bucket (``start_rate_limit`` per second, bursts of ``start_rate_burst``):
  beyond it ``429 Too Many Requests`` with ``Retry-After``. The table of client
  addresses is bounded (the least recently seen is forgotten first). Behind a reverse
  proxy every request comes from the proxy's address: raise the limit or set it to 0.
* An API key (``start_api_key``): the request must carry ``Authorization: Bearer <key>``,
  compared in constant time; otherwise ``401`` with ``WWW-Authenticate: Bearer``.
  The rate limit is checked first, so keys cannot be guessed at full speed.
"""

from __future__ import annotations

import hmac
import math
from collections import OrderedDict

from .http import HttpError
from .limits import RateLimiter

#: Client addresses whose rate state is kept.
MAX_TRACKED_CLIENTS = 4096


class StartGuard:
    """Checks one ``/start`` request: :meth:`check` raises :class:`HttpError` to refuse it."""

    def __init__(self, *, api_key: str | None, rate: float, burst: float) -> None:
        self._key = api_key.encode() if api_key else None
        self._rate = rate
        self._burst = max(burst, 1.0)
        self._clients: OrderedDict[str, RateLimiter] = OrderedDict()

    @property
    def requires_key(self) -> bool:
        """True when ``/start`` needs the API key."""
        return self._key is not None

    def check(self, client_ip: str, authorization: str | None, now: float) -> None:
        """Refuse (raise) a request from ``client_ip`` with this ``Authorization`` header."""
        if self._rate > 0:
            self._check_rate(client_ip, now)
        if self._key is not None:
            scheme, _, token = (authorization or "").partition(" ")
            given = token.strip().encode() if scheme.lower() == "bearer" else b""
            if not hmac.compare_digest(given, self._key):
                what = "a wrong API key" if given else "no API key"
                raise HttpError(
                    401,
                    f"POST /start needs the server's API key ([transport] start_api_key) as "
                    f"'Authorization: Bearer <key>'; the request has {what}",
                    {"WWW-Authenticate": 'Bearer realm="rtvi"'},
                )

    def _check_rate(self, client_ip: str, now: float) -> None:
        clients = self._clients
        limiter = clients.get(client_ip)
        if limiter is None:
            limiter = clients[client_ip] = RateLimiter(self._rate, self._burst, now)
            if len(clients) > MAX_TRACKED_CLIENTS:
                clients.popitem(last=False)
        else:
            clients.move_to_end(client_ip)
        if not limiter.allow(now):
            retry = max(1, math.ceil(limiter.wait_time()))
            raise HttpError(
                429,
                f"too many POST /start from {client_ip}: at most {self._rate:g} per second "
                f"(bursts of {self._burst:g}); retry in {retry} s",
                {"Retry-After": str(retry)},
            )
