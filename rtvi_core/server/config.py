"""``ServerConfig``: the ``[transport]`` keys every served transport shares, validated.

A served transport's bot-file Config extends it with its audio keys and its own
(the websocket plugin's ``WebSocketTransportConfig``); the keys, defaults and limits
come from :class:`~.limits.ServerSettings`.
"""

from __future__ import annotations

import re

from pydantic import field_validator, model_validator

from rtvi_core.record_model import StrictModel, model_from_record

from .limits import ServerSettings

_HOST_NAME = re.compile(r"^(\*|(\*\.)?[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*)$")
_WILDCARD_ORIGIN = re.compile(r"^https?://\*\.[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*(:(\d{1,5}|\*))?$")

_ServerKeys: type[StrictModel] = model_from_record(
    ServerSettings, "_ServerKeys", "The session server's settings, as ServerSettings declares them."
)


class ServerConfig(_ServerKeys):  # type: ignore[misc,valid-type]  # keys built at run time
    """The shared keys of a served transport: its limits, the origin/host rules, auth."""

    @field_validator("allowed_origins")
    @classmethod
    def _origins_are_urls(cls, origins: tuple[str, ...]) -> tuple[str, ...]:
        for origin in origins:
            if origin != "*" and not origin.startswith(("http://", "https://")):
                raise ValueError(f"origin {origin!r} must be '*' or start with http:// or https://")
            if origin.endswith("/"):
                raise ValueError(f"origin {origin!r} must not end with '/' (browsers send none)")
            if origin != "*" and "*" in origin and not _WILDCARD_ORIGIN.match(origin):
                raise ValueError(f"origin {origin!r}: a wildcard goes first in the host, as in 'https://*.example.com'")
        return origins

    @field_validator("allowed_hosts")
    @classmethod
    def _hosts_are_names(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        for name in names:
            if not _HOST_NAME.match(name):
                raise ValueError(f"host {name!r} must be a host name (no scheme, port or path), '*.domain' or '*'")
        return names

    @field_validator("public_url")
    @classmethod
    def _public_url_is_http(cls, url: str | None) -> str | None:
        if url is not None and not url.startswith(("http://", "https://", "ws://", "wss://")):
            raise ValueError(f"public_url {url!r} must start with http(s):// or ws(s)://")
        return url

    @model_validator(mode="after")
    def _secrets_long_enough(self) -> ServerConfig:
        if self.auth_secret is not None and len(self.auth_secret.encode()) < 16:
            raise ValueError("auth_secret must be at least 16 bytes long")
        if self.start_api_key is not None and len(self.start_api_key.encode()) < 16:
            raise ValueError("start_api_key must be at least 16 bytes long")
        return self
