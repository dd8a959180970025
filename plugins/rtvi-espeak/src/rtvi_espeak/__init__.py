"""rtvi-espeak: espeak-ng text-to-speech for rtvi_core (GPL-3.0-or-later).

:class:`EspeakTTSService` drives libespeak-ng through ctypes; it is registered as the
``espeak`` TTS through the ``rtvi`` entry point ``espeak`` (:mod:`rtvi_espeak.plugin`).
Loading the library is logged with its path and time on ``rtvi.espeak`` (:data:`logger`).
"""

from .library import EspeakLibraryError
from .log import logger
from .tts import EspeakTTSService

__version__ = "0.1.0"

__all__ = ["EspeakLibraryError", "EspeakTTSService", "__version__", "logger"]
