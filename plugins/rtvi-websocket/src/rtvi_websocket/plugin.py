"""The plugin module the ``rtvi`` entry point names: the ``websocket`` transport and the ``protobuf`` serializer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from rtvi_core.plugins import hookimpl
from rtvi_core.record_model import StrictModel, model_from_record
from rtvi_core.records import settings_fields, split_record
from rtvi_core.server.config import ServerConfig
from rtvi_core.server.limits import ServerSettings
from rtvi_core.services.transport_params import TransportParams

from .serializer import ProtobufFrameSerializer
from .settings import WebSocketSettings
from .transport import DEFAULT_PARAMS, MAX_OUTPUT_RATE, MIN_OUTPUT_RATE, WebSocketTransport


class ProtobufSerializerConfig(BaseModel):
    """Bot-file parameters of :class:`~rtvi_websocket.serializer.ProtobufFrameSerializer`."""

    model_config = ConfigDict(extra="forbid")

    send_interruptions: bool = Field(
        False, description="send an interruption frame on each interruption (the stock JS client logs an error for it)"
    )


#: The server's shared keys (``ServerConfig``), the keys of ``TransportParams`` (with the
#: transport's own defaults), then the WebSocket's own keys, as those records declare them.
_WebSocketKeys: type[StrictModel] = model_from_record(
    WebSocketSettings,
    "_WebSocketKeys",
    "The server's settings, the transport's audio settings and the WebSocket's settings.",
    base=model_from_record(
        TransportParams,
        "_WebSocketAudio",
        "The server's settings and the transport's audio settings (``TransportParams`` without the VAD).",
        base=ServerConfig,
        exclude=("vad_analyzer",),
        fields={name: {"default": value} for name, value in DEFAULT_PARAMS.items()},
    ),
    exclude=[spec.name for spec in settings_fields(ServerSettings)],
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


def split_transport_config(config: Any) -> tuple[dict[str, Any], WebSocketSettings]:
    """The transport's audio parameters and the server's settings, from its ``Config``."""
    if not isinstance(config, WebSocketTransportConfig):
        config = WebSocketTransportConfig.model_validate(config)
    settings, audio = split_record(WebSocketSettings, dict(config))
    return audio, settings


@hookimpl
def rtvi_register_transports(register: Callable[[type], None]) -> None:
    """Register the ``websocket`` transport."""
    register(WebSocketTransport)


@hookimpl
def rtvi_register_serializers(register: Callable[[type], None]) -> None:
    """Register the ``protobuf`` serializer."""
    register(ProtobufFrameSerializer)
