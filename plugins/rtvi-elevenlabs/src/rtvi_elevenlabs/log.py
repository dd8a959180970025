"""The plugin's logger, ``rtvi.elevenlabs``: connections, refusals and dropped sockets."""

import logging

logger = logging.getLogger("rtvi.elevenlabs")
