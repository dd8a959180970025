"""The plugin's logger, ``rtvi.anthropic``: request failures and refusals."""

import logging

logger = logging.getLogger("rtvi.anthropic")
