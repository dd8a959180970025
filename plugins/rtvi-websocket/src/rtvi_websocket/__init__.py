"""rtvi-websocket: the WebSocket wire format of Pipecat's stock JS client, for rtvi_core.

So far: :mod:`rtvi_websocket.protobuf`, a dependency-free codec for ``pipecat.Frame``,
and :class:`ProtobufFrameSerializer`, registered as the ``protobuf`` serializer through
the ``rtvi`` entry point ``websocket`` (:mod:`rtvi_websocket.plugin`).
"""

import logging

from .protobuf import ProtobufDecodeError
from .serializer import ProtobufFrameSerializer

__version__ = "0.1.0"

logger = logging.getLogger(__name__)

__all__ = ["ProtobufDecodeError", "ProtobufFrameSerializer", "__version__", "logger"]
