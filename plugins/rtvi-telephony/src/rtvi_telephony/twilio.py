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

from .carrier import Carrier, StartKeys
from .transport import TelephonyTransport

if TYPE_CHECKING:
    from rtvi_core.server.http import Request


@record
class TwilioKeys:
    """Twilio's ``[transport]`` keys."""

    account_sid: str | None = setting(
        default=None, description='Twilio Account SID (hang-up, rtvi call); e.g. "${env:TWILIO_ACCOUNT_SID}"'
    )
    auth_token: str | None = setting(
        default=None,
        description='Twilio auth token: signs webhooks (checked when set) and REST calls; e.g. "${env:TWILIO_AUTH_TOKEN}"',
    )


class Twilio(Carrier):
    """Twilio's protocols; keys ``account_sid`` and ``auth_token``."""

    name = "twilio"
    KEYS = TwilioKeys
    REST_CLIENT, REST_KEYS = "TwilioRest", ("account_sid", "auth_token")
    STREAM_KEY = "streamSid"
    START_KEYS = StartKeys(
        call_id="callSid",
        media_format="mediaFormat",
        encoding="encoding",
        sample_rate="sampleRate",
        account_id="accountSid",
        parameters="customParameters",
    )

    def signature_valid(self, request: Request, url: str, params: Mapping[str, str]) -> bool | None:
        token = self.signing_key("auth_token")
        if token is None:
            return None
        from .signatures import twilio_signature_valid

        return twilio_signature_valid(token, url, params, request.headers.get("x-twilio-signature", ""))

    def answer(self, ws_url: str, params: Mapping[str, str]) -> tuple[str, bytes]:
        from .markup import twilio_twiml

        return "application/xml", twilio_twiml(ws_url, params).encode()


class TwilioTransport(TelephonyTransport):
    """A Twilio call: Media Streams at ``/ws``, the incoming-call webhook at ``POST /``."""

    PLUGIN_NAME: ClassVar[str] = "twilio"
    DESCRIPTION: ClassVar[str] = "Twilio phone calls (Media Streams over WebSocket, TwiML webhook)"
    Config = LazyConfig("rtvi_telephony.plugin:TwilioConfig")
    CARRIER = Twilio
