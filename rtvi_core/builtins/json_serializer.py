"""``JSONFrameSerializer``: RTVI messages as JSON text."""

from __future__ import annotations

import logging

import msgspec

from ..component import Component, LazyConfig
from ..frames import (
    Frame,
    InputTransportMessageFrame,
    OutputTransportMessageFrame,
    OutputTransportMessageUrgentFrame,
)
from ..rtvi.messages import JSONBoundsError, decode_client_json, encode
from ..services.serializer import FrameSerializer

logger = logging.getLogger("rtvi_core.builtins.json_serializer")

_encode_json = msgspec.json.Encoder().encode


class JSONFrameSerializer(FrameSerializer, Component):
    """Sends transport messages as JSON text; received JSON becomes an input message.

    Outgoing messages may be RTVI message Structs or plain JSON-able objects;
    other frames (audio, ...) are not carried. Any received JSON value becomes an
    :class:`InputTransportMessageFrame` (the RTVI processor decides what it means);
    text that is not JSON, or beyond the bounds of
    :func:`~rtvi_core.rtvi.messages.decode_client_json` (nesting, size), is logged and
    dropped.
    """

    PLUGIN_NAME = "json"
    DESCRIPTION = "RTVI messages as JSON text"
    Config = LazyConfig("rtvi_core.builtins.plugin:JSONSerializerConfig")

    def serialize(self, frame: Frame) -> str | None:
        """JSON text of a transport message frame; None for other frames."""
        if not isinstance(frame, (OutputTransportMessageUrgentFrame, OutputTransportMessageFrame)):
            return None
        message = frame.message
        if isinstance(message, msgspec.Struct):
            return encode(message).decode()  # type: ignore[arg-type]
        return _encode_json(message).decode()

    def deserialize(self, data: bytes | str) -> Frame | None:
        """The received JSON value as an :class:`InputTransportMessageFrame`, or None."""
        try:
            message = decode_client_json(data)
        except msgspec.DecodeError as exc:
            logger.warning("dropping a message that is not valid JSON: %s", exc)
            return None
        except JSONBoundsError as exc:
            logger.warning("dropping a message: %s", exc)
            return None
        return InputTransportMessageFrame(message=message)
