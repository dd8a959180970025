"""rtvi-silero: Silero VAD v6 for rtvi_core, on bare onnxruntime (no torch).

:class:`SileroVADAnalyzer` (``silero``) and, with the ``[webrtc]`` extra, the light
:class:`WebRTCVADAnalyzer` (``webrtc``) are registered through the ``rtvi`` entry point
``silero`` (:mod:`rtvi_silero.plugin`). Importing this package does not import numpy
or onnxruntime: the model is loaded by ``preload()`` (``rtvi run``) or at the first
session's start, and logged with its path and time on ``rtvi.silero`` (:data:`logger`).
"""

from .log import logger
from .model import SileroModelError
from .vad import SileroVADAnalyzer
from .webrtc import WebRTCVADAnalyzer

__version__ = "0.1.0"

__all__ = ["SileroModelError", "SileroVADAnalyzer", "WebRTCVADAnalyzer", "__version__", "logger"]
