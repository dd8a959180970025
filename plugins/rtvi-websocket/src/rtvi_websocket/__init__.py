"""rtvi-websocket: serves bots to Pipecat's stock JS client over WebSocket, for rtvi_core.

Registered through the ``rtvi`` entry point ``websocket`` (:mod:`rtvi_websocket.plugin`):
the ``websocket`` transport (:class:`~rtvi_websocket.transport.WebSocketTransport`, a
server hosting one session per client, with ``POST /start``, ``GET /health`` and the
playground page) and the ``protobuf`` serializer (:class:`ProtobufFrameSerializer`,
``pipecat.Frame`` on the wire through the dependency-free codec of
:mod:`rtvi_websocket.protobuf`). Everything is logged on ``rtvi.websocket`` and its
children (:data:`logger`).
"""

from .log import logger
from .protobuf import ProtobufDecodeError
from .serializer import ProtobufFrameSerializer

__version__ = "0.1.0"

__all__ = ["ProtobufDecodeError", "ProtobufFrameSerializer", "__version__", "logger"]
