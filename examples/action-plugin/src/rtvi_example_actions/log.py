"""The plugin's logger, ``rtvi.example-actions``."""

import logging

logger = logging.getLogger("rtvi.example-actions")
