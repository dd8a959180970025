"""``OriginRule``: which browser origins may open a session or call ``/start``.

Browsers let any page open a WebSocket to any server and send the page's origin in
the ``Origin`` header; the server must refuse the origins it does not trust, or any
web page the user visits could drive the bot, and spend its provider keys, from the
user's browser (cross-site WebSocket hijacking). The rule:

* no ``Origin`` header: not a browser (curl, Node, Python clients), allowed;
* the server's own origin (``http(s)://`` + the request's ``Host``), allowed — the
  ``Host`` itself has passed :class:`~rtvi_core.server.hosts.HostRule` first;
* a server listening on a loopback address also allows pages served from loopback
  hosts (``http(s)://localhost``, ``127.0.0.1``, ``[::1]``, any port): what a client
  developer's dev server (Vite on ``localhost:5173``, Next on ``:3000``) is;
* ``[transport] allowed_origins``: exact origins (``https://app.example.com``), host
  wildcards (``https://*.example.com``: any name under it, same scheme, the default
  port unless the pattern gives one; ``:*`` for any port) and ``"*"`` (any origin).
"""

from __future__ import annotations

from collections.abc import Iterable

from .hosts import is_loopback, split_host

#: The key a user changes to allow another origin.
SETTING = "[transport] allowed_origins"


def _split_origin(origin: str) -> tuple[str, str, str] | None:
    """``(scheme, host, port)`` of ``scheme://host[:port]``, or None if it is not one."""
    scheme, sep, authority = origin.partition("://")
    if not sep or not authority or "/" in authority:
        return None
    host, port = split_host(authority)
    return scheme.lower(), host, port


class OriginRule:
    """Decides whether a browser ``Origin`` may use the server."""

    def __init__(self, allowed_origins: Iterable[str], *, loopback_server: bool) -> None:
        allowed = list(allowed_origins)
        self.any = "*" in allowed
        self.loopback_server = loopback_server
        self._exact = {origin.lower() for origin in allowed if "*" not in origin}
        self._patterns = [
            parts for origin in allowed if origin != "*" and "*" in origin if (parts := _split_origin(origin))
        ]

    def allows(self, origin: str | None, host: str) -> bool:
        """True when a request with this ``Origin`` (None: none sent) to ``Host`` ``host`` is allowed."""
        if origin is None or self.any:
            return True
        lowered = origin.lower()
        if host and lowered in (f"http://{host.lower()}", f"https://{host.lower()}"):
            return True
        if lowered in self._exact:
            return True
        parts = _split_origin(lowered)
        if parts is None:
            return False  # "null" (sandboxed pages, file://) and other non-URL origins
        scheme, origin_host, port = parts
        if self.loopback_server and scheme in ("http", "https") and is_loopback(origin_host):
            return True
        return any(_matches(pattern, scheme, origin_host, port) for pattern in self._patterns)


def _matches(pattern: tuple[str, str, str], scheme: str, host: str, port: str) -> bool:
    want_scheme, want_host, want_port = pattern
    if scheme != want_scheme or want_port not in ("*", port):
        return False
    suffix = want_host.removeprefix("*")
    return want_host.startswith("*.") and host.endswith(suffix) and len(host) > len(suffix)
