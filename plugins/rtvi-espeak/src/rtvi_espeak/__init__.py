"""rtvi-espeak: espeak-ng text-to-speech for rtvi_core (GPL-3.0-or-later).

:class:`EspeakTTSService` (bot-file name ``espeak``) drives libespeak-ng through
ctypes; :mod:`rtvi_espeak.plugin` registers it through the ``rtvi`` entry point.
"""

from .engine import logger
from .library import EspeakLibraryError
from .tts import EspeakTTSService

__version__ = "0.1.0"

__all__ = ["EspeakLibraryError", "EspeakTTSService", "__version__", "logger"]
