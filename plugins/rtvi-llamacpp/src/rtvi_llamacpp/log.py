"""The plugin's logger, ``rtvi.llamacpp``: loading the model and starting the server (with their timing)."""

import logging

logger = logging.getLogger("rtvi.llamacpp")
