"""rtvi-whisper: Whisper speech-to-text for rtvi_core through faster-whisper, offline on the CPU.

:class:`WhisperSTTService` is registered as the STT service ``whisper`` through the
``rtvi`` entry point ``whisper`` (:mod:`rtvi_whisper.plugin`). Model loading is logged
with its path and time on ``rtvi.whisper`` (:data:`logger`).
"""

from .locate import WhisperModelError, locate_model
from .log import logger
from .stt import WhisperSTTService

__version__ = "0.1.0"

__all__ = ["WhisperModelError", "WhisperSTTService", "__version__", "locate_model", "logger"]
