"""The plugin's logger, ``rtvi.piper``: loading a voice (path and time)."""

import logging

logger = logging.getLogger("rtvi.piper")
