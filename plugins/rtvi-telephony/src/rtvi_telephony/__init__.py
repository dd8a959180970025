"""rtvi-telephony: phone calls for rtvi_core bots, on the shared session server.

Registered through the ``rtvi`` entry point ``telephony`` (:mod:`rtvi_telephony.plugin`):
the transports ``twilio`` (:class:`~rtvi_telephony.twilio.TwilioTransport`), ``telnyx``,
``plivo`` and ``exotel``, each serving its carrier's incoming-call webhook at ``POST /``
and media streams at ``/ws``; the ``hang-up`` action (an LLM tool); and ``rtvi call``,
which places an outbound call. The carrier-facing building blocks: G.711 codecs
(:mod:`.g711`), webhook signature checks (:mod:`.signatures`), the webhook answers
(:mod:`.markup`) and the carriers' REST calls (:mod:`.rest`). Logged on
``rtvi.telephony`` (:data:`logger`).
"""

from .events import CallInfo
from .log import logger
from .transport import TelephonyTransport

__version__ = "0.1.0"

__all__ = ["CallInfo", "TelephonyTransport", "__version__", "logger"]
