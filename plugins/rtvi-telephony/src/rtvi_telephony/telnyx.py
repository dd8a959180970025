"""Telnyx: media streaming over WebSocket (TeXML ``<Connect><Stream>``), its Ed25519 webhook
signature, the Call Control API, and the ``telnyx`` transport.

Messages: ``connected``; ``start`` with ``stream_id`` and ``start.call_control_id``,
``from``, ``to``, ``custom_parameters``, ``media_format`` (PCMU/PCMA 8 kHz, L16 in network
byte order); ``media``; ``dtmf``; ``mark``; ``stop``; ``error`` (logged). Out: ``media``,
``mark``, ``clear`` (Telnyx's stream needs no id in them; it is sent anyway, as Twilio's).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from rtvi_core.plugins import LazyConfig
from rtvi_core.records import record, setting

from .carrier import SNAKE_START, Carrier, StartKeys
from .events import Event, Ignored
from .transport import TelephonyTransport

if TYPE_CHECKING:
    from rtvi_core.server.http import Request

    from .rest import CarrierRest


@record
class TelnyxKeys:
    """Telnyx's ``[transport]`` keys."""

    api_key: str | None = setting(
        default=None, description='Telnyx API key (hang-up, rtvi call); e.g. "${env:TELNYX_API_KEY}"'
    )
    connection_id: str | None = setting(
        default=None, description="the Telnyx TeXML application (connection) id that rtvi call dials through"
    )
    public_key: str | None = setting(
        default=None,
        description='Telnyx webhook public key (base64 Ed25519): webhooks are checked when set; e.g. "${env:TELNYX_PUBLIC_KEY}"',
    )


class Telnyx(Carrier):
    """Telnyx's protocols; keys ``api_key``, ``connection_id`` (outbound calls), ``public_key`` (webhooks)."""

    name = "telnyx"
    KEYS = TelnyxKeys
    STREAM_KEY = "stream_id"
    START_KEYS = StartKeys(call_id="call_control_id", account_id="user_id", **SNAKE_START)
    L16 = "l16be"
    SIGNING_KEY = "public_key"  # webhooks only: the media stream's upgrade is not signed

    def parse(self, message: Any) -> Event:
        if isinstance(message, dict) and message.get("event") == "error":
            payload = message.get("payload")
            return Ignored("error", str(payload)[:200])
        return super().parse(message)

    def signed(self, key: str, request: Request, url: str, params: Mapping[str, str]) -> bool:
        from .signatures import telnyx_signature_valid

        headers = request.headers
        return telnyx_signature_valid(
            key, request.body, headers.get("telnyx-timestamp", ""), headers.get("telnyx-signature-ed25519", "")
        )

    def answer(self, ws_url: str, params: Mapping[str, str]) -> tuple[str, bytes]:
        from .markup import telnyx_texml

        return "application/xml", telnyx_texml(ws_url, params).encode()

    def rest(self) -> CarrierRest | None:
        key = self.credential("api_key")
        if not key:
            return None
        from .rest import TelnyxRest

        return TelnyxRest(key, self.credential("connection_id") or "", **self.base_url())


class TelnyxTransport(TelephonyTransport):
    """A Telnyx call: media streaming at ``/ws``, the TeXML webhook at ``POST /``."""

    PLUGIN_NAME: ClassVar[str] = "telnyx"
    DESCRIPTION: ClassVar[str] = "Telnyx phone calls (media streaming over WebSocket, TeXML webhook)"
    Config = LazyConfig("rtvi_telephony.plugin:TelnyxConfig")
    CARRIER = Telnyx
