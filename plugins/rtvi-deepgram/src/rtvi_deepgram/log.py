"""The plugin's logger, ``rtvi.deepgram``: connections, reconnects and refusals."""

import logging

logger = logging.getLogger("rtvi.deepgram")
