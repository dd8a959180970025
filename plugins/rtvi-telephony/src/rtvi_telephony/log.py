"""The plugin's logger, ``rtvi.telephony``."""

import logging

logger = logging.getLogger("rtvi.telephony")
