"""rtvi-deepgram: Deepgram's live streaming speech-to-text as an rtvi_core STT service.

:class:`DeepgramSTTService` streams the user's audio to Deepgram's ``listen``
WebSocket API (``/v1/listen``); it is registered as the ``deepgram`` STT through the
``rtvi`` entry point ``deepgram`` (:mod:`rtvi_deepgram.plugin`). Connections,
reconnects and refusals are logged on ``rtvi.deepgram`` (:data:`logger`).
"""

from .errors import DeepgramError
from .log import logger
from .options import ListenOptions
from .stt import DeepgramSTTService

__version__ = "0.1.0"

__all__ = ["DeepgramError", "DeepgramSTTService", "ListenOptions", "__version__", "logger"]
