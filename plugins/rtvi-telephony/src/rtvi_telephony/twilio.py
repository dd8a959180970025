"""Twilio: Media Streams (``<Connect><Stream>``), TwiML, ``X-Twilio-Signature``, and the ``twilio`` transport.

Messages: ``connected``; ``start`` with ``streamSid``, ``callSid``, ``accountSid``,
``mediaFormat`` (μ-law 8 kHz) and ``customParameters`` (the webhook's ``From``/``To`` come
back as ``from_number``/``to_number``); ``media``; ``dtmf``; ``mark``; ``stop``. Out:
``media``, ``mark``, ``clear``, each with the ``streamSid``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from rtvi_core.plugins import LazyConfig
from rtvi_core.records import record, setting

from .carrier import CAMEL_FORMAT, Carrier, StartKeys, auth_token_setting
from .transport import TelephonyTransport

if TYPE_CHECKING:
    from rtvi_core.server.http import Request


@record
class TwilioKeys:
    """Twilio's ``[transport]`` keys."""

    account_sid: str | None = setting(
        default=None, description='Twilio Account SID (hang-up, rtvi call); e.g. "${env:TWILIO_ACCOUNT_SID}"'
    )
    auth_token: str | None = auth_token_setting("Twilio", "TWILIO_AUTH_TOKEN")


class Twilio(Carrier):
    """Twilio's protocols; keys ``account_sid`` and ``auth_token``."""

    name = "twilio"
    KEYS = TwilioKeys
    REST_CLIENT, REST_KEYS = "TwilioRest", ("account_sid", "auth_token")
    STREAM_KEY = "streamSid"
    START_KEYS = StartKeys(call_id="callSid", account_id="accountSid", parameters="customParameters", **CAMEL_FORMAT)
    SIGNING_KEY = "auth_token"
    SIGNS_STREAM = True  # X-Twilio-Signature on the upgrade: the wss URL, no parameters
    STREAM_QUERY = False  # <Stream url> takes no query string (custom parameters go in <Parameter>)

    def signed(self, key: str, request: Request, url: str, params: Mapping[str, str]) -> bool:
        from .signatures import twilio_signature_valid

        return twilio_signature_valid(key, url, params, request.headers.get("x-twilio-signature", ""))

    def answer(self, ws_url: str, params: Mapping[str, str]) -> tuple[str, bytes]:
        from .markup import twilio_twiml

        return "application/xml", twilio_twiml(ws_url, params).encode()


class TwilioTransport(TelephonyTransport):
    """A Twilio call: Media Streams at ``/ws``, the incoming-call webhook at ``POST /``."""

    PLUGIN_NAME: ClassVar[str] = "twilio"
    DESCRIPTION: ClassVar[str] = "Twilio phone calls (Media Streams over WebSocket, TwiML webhook)"
    Config = LazyConfig("rtvi_telephony.plugin:TwilioConfig")
    CARRIER = Twilio
