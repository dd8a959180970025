"""Where ICE gathers candidates: aioice's host addresses, chosen per peer connection.

aioice leaves ``127.0.0.1`` and ``::1`` out of its host candidates and has no option to
choose addresses; it looks up ``aioice.ice.get_host_addresses`` as a module global when a
connection gathers. :func:`install` replaces that function once with one that asks a
context variable first: :func:`gathering_on` sets it around the gathering of one peer
connection (the gathering tasks copy the context), so a server set to
``ice_host_addresses = "loopback"`` offers loopback candidates only, and media never
leaves the machine. Anything else falls back to aioice's own choice.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

import aioice
import aioice.ice
from aiortc import RTCIceServer

from .ice_servers import IceServer

_chosen: ContextVar[tuple[str, ...] | None] = ContextVar("rtvi_webrtc_host_addresses", default=None)
if not hasattr(aioice.ice, "get_host_addresses"):  # pragma: no cover - guards an aioice upgrade
    raise ImportError(f"aioice {aioice.__version__} has no ice.get_host_addresses: rtvi-webrtc needs aioice 0.13")
_original = aioice.ice.get_host_addresses


def _host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
    chosen = _chosen.get()
    if chosen is None:
        return list(_original(use_ipv4=use_ipv4, use_ipv6=use_ipv6))
    return [a for a in chosen if (use_ipv6 if ":" in a else use_ipv4)]


def install() -> None:
    """Make aioice ask :func:`gathering_on` for host addresses (idempotent)."""
    aioice.ice.get_host_addresses = _host_addresses


@contextmanager
def gathering_on(addresses: Sequence[str] | None) -> Iterator[None]:
    """Gather host candidates on ``addresses`` (None: every interface but loopback) inside."""
    token = _chosen.set(None if addresses is None else tuple(addresses))
    try:
        yield
    finally:
        _chosen.reset(token)


def host_addresses_for(setting: str | Sequence[str]) -> tuple[str, ...] | None:
    """The host addresses for ``ice_host_addresses`` = ``setting``.

    ``"auto"``: aioice's choice, every interface but loopback (what a browser on this
    machine or the LAN reaches; Pipecat's default), or loopback when there is no other;
    ``"loopback"``: 127.0.0.1 only (media never leaves the machine: tests, offline use with
    a browser allowed to offer loopback candidates); a list: exactly those addresses.
    """
    if not isinstance(setting, str):
        return tuple(setting)
    if setting == "loopback" or not _original(use_ipv4=True, use_ipv6=False):
        return ("127.0.0.1",)
    return None


def is_loopback_only(addresses: tuple[str, ...] | None) -> bool:
    """True when every host address is a loopback one (remote candidates elsewhere cannot work)."""
    return addresses is not None and all(_is_loopback(a) for a in addresses)


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def rtc_ice_servers(entries: Sequence[IceServer]) -> list[RTCIceServer]:
    """The bot file's entries as aiortc's ``RTCIceServer`` list (never None: aiortc would use Google's STUN)."""
    servers = []
    for server in entries:
        servers.append(RTCIceServer(urls=server.url_list, username=server.username, credential=server.credential))
    return servers
