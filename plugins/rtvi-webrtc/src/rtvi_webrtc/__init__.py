"""rtvi-webrtc: serves bots to Pipecat's stock SmallWebRTC client over WebRTC, for rtvi_core.

Registered through the ``rtvi`` entry point ``webrtc`` (:mod:`rtvi_webrtc.plugin`): the
``webrtc`` transport (:class:`~rtvi_webrtc.transport.WebRTCTransport`), served by the core's
one-process session server with the SmallWebRTC signalling routes. Built on aiortc; importing
this package does not import aiortc (the transport's modules do). Everything is logged on
``rtvi.webrtc`` and its children (:data:`logger`).
"""

from .log import logger

__version__ = "0.1.0"

__all__ = ["__version__", "logger"]
