"""The plugin module the ``rtvi`` entry point names: registers the protobuf serializer."""

from __future__ import annotations

from typing import Callable

from pydantic import BaseModel, ConfigDict, Field

from rtvi_core.hookspecs import hookimpl

from .serializer import ProtobufFrameSerializer


class ProtobufSerializerConfig(BaseModel):
    """Bot-file parameters of :class:`~rtvi_websocket.serializer.ProtobufFrameSerializer`."""

    model_config = ConfigDict(extra="forbid")

    send_interruptions: bool = Field(
        False, description="send an interruption frame on each interruption (the stock JS client logs an error for it)"
    )


@hookimpl
def rtvi_register_serializers(register: Callable[[type], None]) -> None:
    """Register the ``protobuf`` serializer."""
    register(ProtobufFrameSerializer)
