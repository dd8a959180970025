"""The plugin's logger, ``rtvi.prometheus``."""

import logging

logger = logging.getLogger("rtvi.prometheus")
