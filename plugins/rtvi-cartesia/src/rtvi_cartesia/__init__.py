"""rtvi-cartesia: Cartesia's Sonic voices as an rtvi_core TTS service.

:class:`CartesiaTTSService` speaks through Cartesia's TTS WebSocket
(``/tts/websocket``); it is registered as the ``cartesia`` TTS through the ``rtvi``
entry point ``cartesia`` (:mod:`rtvi_cartesia.plugin`). Connections and provider
failures are logged on ``rtvi.cartesia`` (:data:`logger`).
"""

from .errors import CartesiaError
from .log import logger
from .tts import CartesiaTTSService

__version__ = "0.1.0"

__all__ = ["CartesiaError", "CartesiaTTSService", "__version__", "logger"]
