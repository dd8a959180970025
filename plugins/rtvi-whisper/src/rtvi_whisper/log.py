"""The plugin's logger, ``rtvi.whisper``: loading the model (path and time)."""

import logging

logger = logging.getLogger("rtvi.whisper")
