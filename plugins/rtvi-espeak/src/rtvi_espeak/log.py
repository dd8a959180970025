"""The plugin's logger, ``rtvi.espeak``: loading libespeak-ng (path and time)."""

import logging

logger = logging.getLogger("rtvi.espeak")
