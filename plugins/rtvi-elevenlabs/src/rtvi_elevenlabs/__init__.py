"""rtvi-elevenlabs: ElevenLabs voices as an rtvi_core TTS service.

:class:`ElevenLabsTTSService` speaks over ElevenLabs' multi-context WebSocket
(``/v1/text-to-speech/{voice_id}/multi-stream-input``), one context per bot turn, with
word timestamps; it is registered as the ``elevenlabs`` TTS through the ``rtvi`` entry
point ``elevenlabs`` (:mod:`rtvi_elevenlabs.plugin`). Connections and failures are
logged on ``rtvi.elevenlabs`` (:data:`logger`).
"""

from .errors import ElevenLabsError
from .log import logger
from .tts import ElevenLabsTTSService

__version__ = "0.1.0"

__all__ = ["ElevenLabsError", "ElevenLabsTTSService", "__version__", "logger"]
