"""The plugin's logger, ``rtvi.websocket``, and one child per module (``rtvi.websocket.server``)."""

import logging

logger = logging.getLogger("rtvi.websocket")
