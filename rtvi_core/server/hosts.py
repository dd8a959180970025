"""``HostRule``: which ``Host`` names the server answers to (the DNS-rebinding guard).

A DNS-rebinding attack points a name the attacker owns (``rebind.attacker.example``)
at the victim's local server: the browser then treats the bot as the attacker's own
origin, so the origin check alone lets the attacker's page drive it. The server
therefore answers only requests whose ``Host`` it knows, before any origin check:

* any IP address literal (a browser on an IP origin is not being rebound);
* ``localhost`` and names under ``.localhost`` (they always mean this machine);
* the name the server listens on, the host of ``public_url``;
* the names in ``[transport] allowed_hosts`` — exact (``bot.example.com``) or
  wildcards (``*.example.com``: any name under it); ``"*"`` turns the check off.

The port is not part of the rule: a rebinding attack uses the server's own port.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

#: The key a user changes to allow another name.
SETTING = "[transport] allowed_hosts"


def split_host(authority: str) -> tuple[str, str]:
    """``(host, port)`` of ``host[:port]`` / ``[v6][:port]``: the host lower-case, without brackets."""
    if authority.startswith("["):
        host, _, rest = authority[1:].partition("]")
        return host.lower(), rest.removeprefix(":")
    host, _, port = authority.rpartition(":") if authority.count(":") == 1 else (authority, "", "")
    return host.lower().rstrip("."), port


def is_ip_literal(host: str) -> bool:
    """True for an IPv4 or IPv6 address (without brackets)."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def is_loopback(host: str) -> bool:
    """True for ``localhost`` (and ``*.localhost``) and loopback addresses (127/8, ::1)."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class HostRule:
    """Decides whether a request's ``Host`` is one this server answers to."""

    def __init__(self, allowed_hosts: Iterable[str], *, listen_host: str, public_url: str | None = None) -> None:
        names = {name.lower().rstrip(".") for name in allowed_hosts}
        self.any = "*" in names
        names.discard("*")
        self._suffixes = tuple(name[1:] for name in names if name.startswith("*."))
        self._names = {name for name in names if not name.startswith("*.")}
        listen = split_host(listen_host)[0] if listen_host.startswith("[") else listen_host.lower()
        if listen and not is_ip_literal(listen):
            self._names.add(listen)
        if public_url:
            public = urlsplit(public_url).hostname
            if public:
                self._names.add(public.lower())

    def allows(self, authority: str) -> bool:
        """True when ``authority`` (a ``Host`` value; ``""`` for HTTP/1.0 without one) is served here."""
        if self.any or not authority:
            return True
        host, _ = split_host(authority)
        if is_ip_literal(host) or host == "localhost" or host.endswith(".localhost"):
            return True
        return host in self._names or any(host.endswith(suffix) for suffix in self._suffixes)
