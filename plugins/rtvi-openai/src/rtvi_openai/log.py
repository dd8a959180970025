"""The plugin's logger, ``rtvi.openai``: request failures and model warnings."""

import logging

logger = logging.getLogger("rtvi.openai")
