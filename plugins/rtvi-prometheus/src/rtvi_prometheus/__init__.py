"""rtvi-prometheus: Prometheus metrics for rtvi_core's session server.

Installed, it adds ``GET /metrics`` to every server ``rtvi run`` starts for a served
transport (websocket, webrtc, telephony): sessions active, started and ended by reason,
``POST /start`` outcomes and latency, voice latency per stage (STT, LLM first token, TTS
first audio, voice-to-voice), errors by type, and the process's default collectors.
The bot file's ``[metrics]`` table turns it off (``enabled = false``) or puts it behind a
bearer token (``token``). It registers no component: its hook is ``rtvi_server_extensions``.
"""

from .exporter import MetricsExporter
from .log import logger
from .metrics import ServerMetrics
from .observer import VoiceMetricsObserver

__version__ = "0.1.0"
__all__ = ["MetricsExporter", "ServerMetrics", "VoiceMetricsObserver", "__version__", "logger"]
