"""The plugin's logger, ``rtvi.webrtc``, and one child per module (``rtvi.webrtc.peer``)."""

import logging

logger = logging.getLogger("rtvi.webrtc")
