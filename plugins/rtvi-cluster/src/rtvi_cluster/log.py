"""The plugin's logger, ``rtvi.cluster``."""

import logging

logger = logging.getLogger("rtvi.cluster")
