"""rtvi-silero: Silero VAD v6 for rtvi_core, on bare onnxruntime (no torch).

:class:`SileroVADAnalyzer` (``silero``) and, with the ``[webrtc]`` extra, the light
:class:`WebRTCVADAnalyzer` (``webrtc``) are registered through the ``rtvi`` entry point
``silero`` (:mod:`rtvi_silero.plugin`). Importing this package
does not import numpy or onnxruntime; the model is loaded at the transport's start.
"""

import logging

__version__ = "0.1.0"

#: Model loading (path and time) is logged here.
logger = logging.getLogger("rtvi.silero")

from .model import SileroModelError  # noqa: E402  (the modules below use ``logger``)
from .vad import SileroVADAnalyzer  # noqa: E402
from .webrtc import WebRTCVADAnalyzer  # noqa: E402

__all__ = ["SileroModelError", "SileroVADAnalyzer", "WebRTCVADAnalyzer", "__version__", "logger"]
