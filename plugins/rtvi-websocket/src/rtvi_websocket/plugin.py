"""The plugin module the ``rtvi`` entry point names: the ``websocket`` transport and the ``protobuf`` serializer."""

from __future__ import annotations

from typing import Any, Callable

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from rtvi_core.builtins.plugin import TransportAudioConfig
from rtvi_core.hookspecs import hookimpl

from .limits import ServerSettings
from .serializer import ProtobufFrameSerializer
from .transport import WebSocketTransport


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
        24000, gt=0, description="the stock client plays 24000 Hz; other audio is resampled"
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
        description='browser origins allowed besides the server\'s own, e.g. ["https://app.example.com"]; ["*"] = any',
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
        return origins

    @field_validator("public_url")
    @classmethod
    def _public_url_is_http(cls, url: str | None) -> str | None:
        if url is not None and not url.startswith(("http://", "https://", "ws://", "wss://")):
            raise ValueError(f"public_url {url!r} must start with http(s):// or ws(s)://")
        return url

    @model_validator(mode="after")
    def _secret_long_enough(self) -> WebSocketTransportConfig:
        if self.auth_secret is not None and len(self.auth_secret.encode()) < 16:
            raise ValueError("auth_secret must be at least 16 bytes long")
        return self


def split_transport_config(config: Any) -> tuple[dict[str, Any], ServerSettings]:
    """The transport's audio parameters and the server's settings, from its ``Config``."""
    if not isinstance(config, WebSocketTransportConfig):
        config = WebSocketTransportConfig.model_validate(config)
    values = config.model_dump()
    audio = {name: values.pop(name) for name in TransportAudioConfig.model_fields}
    values["allowed_origins"] = tuple(values["allowed_origins"])
    return audio, ServerSettings(**values)


@hookimpl
def rtvi_register_transports(register: Callable[[type], None]) -> None:
    """Register the ``websocket`` transport."""
    register(WebSocketTransport)


@hookimpl
def rtvi_register_serializers(register: Callable[[type], None]) -> None:
    """Register the ``protobuf`` serializer."""
    register(ProtobufFrameSerializer)
