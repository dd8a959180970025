"""The plugin's logger, ``rtvi.cartesia``: connections, provider failures, ignored events."""

import logging

logger = logging.getLogger("rtvi.cartesia")
