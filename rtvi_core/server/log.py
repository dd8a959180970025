"""The server core's logger, ``rtvi.server``, and one child per module (``rtvi.server.connection``).

Not under ``rtvi_core``: a session's RTVI ``system-log`` forwarding sends the client
what ``rtvi_core`` logs, and the server's lines (other clients' addresses, refusals)
are not for clients.
"""

import logging

logger = logging.getLogger("rtvi.server")
