"""The plugin module the ``rtvi`` entry point names: the ``websocket`` transport and the ``protobuf`` serializer."""

from __future__ import annotations

import re
from typing import Any, Callable

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from rtvi_core.builtins.plugin import TransportAudioConfig
from rtvi_core.hookspecs import hookimpl

from .limits import ServerSettings
from .serializer import ProtobufFrameSerializer
from .transport import MAX_OUTPUT_RATE, MIN_OUTPUT_RATE, WebSocketTransport


_HOST_NAME = re.compile(r"^(\*|(\*\.)?[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*)$")
_WILDCARD_ORIGIN = re.compile(r"^https?://\*\.[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*(:(\d{1,5}|\*))?$")


class ProtobufSerializerConfig(BaseModel):
    """Bot-file parameters of :class:`~rtvi_websocket.serializer.ProtobufFrameSerializer`."""

    model_config = ConfigDict(extra="forbid")

    send_interruptions: bool = Field(
        False, description="send an interruption frame on each interruption (the stock JS client logs an error for it)"
    )


class WebSocketTransportConfig(TransportAudioConfig):
    """``[transport] use = "websocket"``: audio settings of each session and the server's limits."""

    audio_in_enabled: bool = Field(True, description="accept microphone audio from the client")
    audio_out_enabled: bool = Field(True, description="send the bot's audio to the client")
    audio_out_sample_rate: int | None = Field(
        None, ge=MIN_OUTPUT_RATE, le=MAX_OUTPUT_RATE,
        description="None: the run's [rtvi.pipeline] audio_out_sample_rate (24000 by default); "
        "the stock client plays 24000 Hz unless configured (see the plugin README); other audio is resampled",
    )
    max_sessions: int = Field(100, ge=1, description="concurrent sessions; more are refused (503 / close 1013)")
    max_message_bytes: int = Field(
        1024 * 1024 + 1024, ge=1024, description="largest client message (close 1009 beyond)"
    )
    max_messages_per_sec: float = Field(
        200.0, ge=0, description="sustained client messages per second, audio included (close 1008 beyond); 0 = no limit"
    )
    max_malformed: int = Field(20, ge=1, description="malformed frames answered with an RTVI error before close 1008")
    idle_timeout_secs: float = Field(300.0, ge=0, description="close a client silent this long (4008); 0 = never")
    handshake_timeout_secs: float = Field(10.0, gt=0, description="time allowed for the HTTP request")
    drain_timeout_secs: float = Field(10.0, ge=0, description="on SIGTERM, how long sessions may go on")
    allowed_origins: list[str] = Field(
        default_factory=list,
        description="browser origins allowed besides the server's own (and loopback pages when it listens on "
        'loopback): exact ("https://app.example.com"), wildcard ("https://*.example.com", ":*" = any port) or "*"',
    )
    allowed_hosts: list[str] = Field(
        default_factory=list,
        description="Host names served besides IP addresses, localhost and the listen/public_url names "
        '(DNS-rebinding guard): exact ("bot.example.com"), wildcard ("*.example.com") or "*" (no check)',
    )
    start_api_key: str | None = Field(
        None, description='POST /start requires "Authorization: Bearer <key>" (e.g. "${env:RTVI_START_KEY}"); '
        "sessions then need the token it issues"
    )
    start_rate_limit: float = Field(10.0, ge=0, description="POST /start per second per client address (429 beyond); 0 = no limit")
    start_rate_burst: float = Field(20.0, ge=1, description="POST /start burst per client address")
    ping_interval_secs: float = Field(
        20.0, ge=0, description="seconds between WebSocket keepalive pings; 0 = no pings"
    )
    ping_timeout_secs: float = Field(
        20.0, gt=0, description="a peer leaving a ping unanswered this long is dropped (its session ends)"
    )
    auth: bool = Field(False, description="require a signed, expiring token from POST /start (?token=)")
    auth_secret: str | None = Field(
        None, description='token signing secret (>= 16 chars; e.g. "${env:RTVI_AUTH_SECRET}"); unset = random per process'
    )
    token_ttl_secs: float = Field(300.0, gt=0, description="how long a token stays valid")
    public_url: str | None = Field(
        None, description="the server's public base URL (behind a proxy): wsUrl becomes <public_url>/ws"
    )

    @field_validator("allowed_origins")
    @classmethod
    def _origins_are_urls(cls, origins: list[str]) -> list[str]:
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
    def _hosts_are_names(cls, names: list[str]) -> list[str]:
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
    def _secrets_long_enough(self) -> WebSocketTransportConfig:
        if self.auth_secret is not None and len(self.auth_secret.encode()) < 16:
            raise ValueError("auth_secret must be at least 16 bytes long")
        if self.start_api_key is not None and len(self.start_api_key.encode()) < 16:
            raise ValueError("start_api_key must be at least 16 bytes long")
        return self


def split_transport_config(config: Any) -> tuple[dict[str, Any], ServerSettings]:
    """The transport's audio parameters and the server's settings, from its ``Config``."""
    if not isinstance(config, WebSocketTransportConfig):
        config = WebSocketTransportConfig.model_validate(config)
    values = config.model_dump()
    audio = {name: values.pop(name) for name in TransportAudioConfig.model_fields}
    values["allowed_origins"] = tuple(values["allowed_origins"])
    values["allowed_hosts"] = tuple(values["allowed_hosts"])
    return audio, ServerSettings(**values)


@hookimpl
def rtvi_register_transports(register: Callable[[type], None]) -> None:
    """Register the ``websocket`` transport."""
    register(WebSocketTransport)


@hookimpl
def rtvi_register_serializers(register: Callable[[type], None]) -> None:
    """Register the ``protobuf`` serializer."""
    register(ProtobufFrameSerializer)
