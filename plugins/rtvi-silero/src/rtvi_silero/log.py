"""The plugin's logger, ``rtvi.silero``: loading the model (path and time)."""

import logging

logger = logging.getLogger("rtvi.silero")
