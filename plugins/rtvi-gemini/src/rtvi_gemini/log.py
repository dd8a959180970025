"""The plugin's logger, ``rtvi.gemini``: request failures and stopped replies."""

import logging

logger = logging.getLogger("rtvi.gemini")
