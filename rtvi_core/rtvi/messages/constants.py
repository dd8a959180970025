"""Protocol-wide constants of RTVI (spec §2, §3.1; 2.2.0 as Pipecat 1.14 speaks it)."""

from __future__ import annotations

from typing import Final

#: RTVI protocol version spoken by this server (sent in ``bot-ready``).
PROTOCOL_VERSION: Final = "2.2.0"

#: Parsed form of :data:`PROTOCOL_VERSION`.
PROTOCOL_VERSION_TUPLE: Final = (2, 2, 0)

#: Client major version served in legacy mode (bot-ready echoes it back).
LEGACY_MAJOR: Final = 1

#: Value of the ``label`` field every RTVI message carries.
MESSAGE_LABEL: Final = "rtvi-ai"
