"""STUN/TURN server entries of a bot file: checked, and written for aiortc and for the browser.

An entry is a URL string (``"stun:stun.example.com:3478"``) or a table ``{urls, username,
credential}`` as in the browser's ``RTCIceServer``. aiortc uses only the first STUN and
the first TURN server (``turn:`` over udp or tcp, ``turns:`` over tcp) and skips any other
silently, so the server's own list is refused when it holds more.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

_URL = re.compile(r"^(stun|stuns|turn|turns):(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?(\?transport=(udp|tcp))?$")


class IceServer(BaseModel):
    """One STUN/TURN server: its URLs and, for TURN, its credentials (a string: its only URL)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    urls: str | tuple[str, ...]
    username: str | None = None
    credential: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _url_alone(cls, value: Any) -> Any:
        return {"urls": value} if isinstance(value, str) else value

    @field_validator("urls")
    @classmethod
    def _urls_are_ice_urls(cls, urls: str | tuple[str, ...]) -> str | tuple[str, ...]:
        for url in (urls,) if isinstance(urls, str) else urls:
            if not _URL.match(url):
                raise ValueError(
                    f"{url!r} is not a STUN/TURN URL ('stun:host:port', 'turn:host:port?transport=udp', 'turns:host')"
                )
        return urls

    @property
    def url_list(self) -> list[str]:
        """The URLs, as a list."""
        return [self.urls] if isinstance(self.urls, str) else list(self.urls)

    def for_client(self) -> dict[str, Any]:
        """The entry as the browser's ``RTCIceServer`` dictionary."""
        entry: dict[str, Any] = {"urls": self.url_list}
        if self.username is not None:
            entry["username"] = self.username
        if self.credential is not None:
            entry["credential"] = self.credential
        return entry


def check_ice_servers(key: str, entries: Sequence[IceServer], *, for_aiortc: bool) -> None:
    """Refuse entries that cannot work: TURN without credentials; for aiortc, a second
    STUN or TURN server or a transport it lacks (it would skip them silently)."""
    stun = turn = 0
    for entry in entries:
        for url in entry.url_list:
            scheme = url.split(":", 1)[0]
            if scheme.startswith("turn") and (entry.username is None or entry.credential is None):
                raise ValueError(f"{key}: {url!r} needs a username and a credential")
            if not for_aiortc:
                continue
            if scheme == "stuns":
                raise ValueError(f"{key}: {url!r}: the server's ICE agent (aiortc) has no stuns: support")
            if scheme == "turns" and "transport=udp" in url:
                raise ValueError(f"{key}: {url!r}: turns: runs over tcp only")
            stun += scheme == "stun"
            turn += scheme.startswith("turn")
    if stun > 1 or turn > 1:
        raise ValueError(f"{key}: the server's ICE agent (aiortc) uses one STUN and one TURN server at most")
