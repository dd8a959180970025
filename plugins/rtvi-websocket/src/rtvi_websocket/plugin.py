"""The plugin module the ``rtvi`` entry point names: the ``websocket`` transport and the ``protobuf`` serializer."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from rtvi_core.plugins import hookimpl
from rtvi_core.record_model import StrictModel, model_from_record
from rtvi_core.records import split_record
from rtvi_core.services.transport_params import TransportParams

from .limits import ServerSettings
from .serializer import ProtobufFrameSerializer
from .transport import DEFAULT_PARAMS, MAX_OUTPUT_RATE, MIN_OUTPUT_RATE, WebSocketTransport

_HOST_NAME = re.compile(r"^(\*|(\*\.)?[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*)$")
_WILDCARD_ORIGIN = re.compile(r"^https?://\*\.[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*(:(\d{1,5}|\*))?$")


class ProtobufSerializerConfig(BaseModel):
    """Bot-file parameters of :class:`~rtvi_websocket.serializer.ProtobufFrameSerializer`."""

    model_config = ConfigDict(extra="forbid")

    send_interruptions: bool = Field(
        False, description="send an interruption frame on each interruption (the stock JS client logs an error for it)"
    )


#: The keys of ``TransportParams`` (with the transport's own defaults), then those of
#: ``ServerSettings``, as those records declare them.
_WebSocketKeys: type[StrictModel] = model_from_record(
    ServerSettings,
    "_WebSocketKeys",
    "The transport's audio settings and the server's settings.",
    base=model_from_record(
        TransportParams,
        "_WebSocketAudio",
        "The transport's audio settings (``TransportParams`` without the VAD).",
        exclude=("vad_analyzer",),
        fields={name: {"default": value} for name, value in DEFAULT_PARAMS.items()},
    ),
)


class WebSocketTransportConfig(_WebSocketKeys):  # type: ignore[misc,valid-type]  # keys built at run time
    """``[transport] use = "websocket"``: audio settings of each session and the server's limits."""

    audio_out_sample_rate: int | None = Field(
        None,
        ge=MIN_OUTPUT_RATE,
        le=MAX_OUTPUT_RATE,
        description="None: the run's [rtvi.pipeline] audio_out_sample_rate (24000 by default); "
        "the stock client plays 24000 Hz unless configured (see the plugin README); other audio is resampled",
    )

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
    settings, audio = split_record(ServerSettings, dict(config))
    return audio, settings


@hookimpl
def rtvi_register_transports(register: Callable[[type], None]) -> None:
    """Register the ``websocket`` transport."""
    register(WebSocketTransport)


@hookimpl
def rtvi_register_serializers(register: Callable[[type], None]) -> None:
    """Register the ``protobuf`` serializer."""
    register(ProtobufFrameSerializer)
