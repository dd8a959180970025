"""Exotel: the Voicebot applet's bidirectional stream, its stream-URL endpoint, the Calls API,
and the ``exotel`` transport.

Messages: ``connected``; ``start`` with ``stream_sid`` and ``start.call_sid``, ``account_sid``,
``from``, ``to``, ``custom_parameters`` and ``media_format``; ``media`` (raw "slin": 16-bit
little-endian PCM at 8 kHz unless the applet asks for more); ``dtmf``; ``mark``; ``stop``.
Out: ``media``, ``mark``, ``clear`` with the ``stream_sid``. Exotel asks for outbound chunks
of at least 100 ms (multiples of 320 bytes), so its ``packet_ms`` defaults to 100: a
``clear`` then drops at most 100 ms the carrier already has. The applet's URL may be an
HTTPS endpoint answering the stream URL: ``POST``/``GET /`` answers it as JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import msgspec

from rtvi_core.plugins import LazyConfig
from rtvi_core.records import record, setting

from .carrier import SNAKE_START, Carrier, StartKeys
from .media_format import MediaFormat
from .transport import TelephonyTransport

if TYPE_CHECKING:
    from .rest import CarrierRest

#: Exotel's outbound chunk floor (ms): the default ``packet_ms`` of its transport.
PACKET_MS = 100


@record
class ExotelKeys:
    """Exotel's ``[transport]`` keys."""

    api_key: str | None = setting(default=None, description='Exotel API key (rtvi call); e.g. "${env:EXOTEL_API_KEY}"')
    api_token: str | None = setting(default=None, description='Exotel API token; e.g. "${env:EXOTEL_API_TOKEN}"')
    account_sid: str | None = setting(default=None, description="Exotel account SID")
    subdomain: str = setting(
        default="api.exotel.com", description="Exotel API host (api.in.exotel.com for the Mumbai cluster)"
    )


class Exotel(Carrier):
    """Exotel's protocols; keys ``api_key``, ``api_token``, ``account_sid``, ``subdomain``."""

    name = "exotel"
    KEYS = ExotelKeys
    STREAM_KEY = "stream_sid"
    START_KEYS = StartKeys(call_id="call_sid", account_id="account_sid", **SNAKE_START)
    DEFAULT_FORMAT = MediaFormat("l16", 8000)
    WEBHOOK_METHODS = ("GET", "POST")
    HANGS_UP = False  # Exotel's API has no hang-up: closing the stream moves the flow to its next applet

    def answer(self, ws_url: str, params: Mapping[str, str]) -> tuple[str, bytes]:
        from .markup import exotel_stream_response

        return "application/json", msgspec.json.encode(exotel_stream_response(ws_url))

    def rest(self) -> CarrierRest | None:
        key, token, sid = self.credential("api_key"), self.credential("api_token"), self.credential("account_sid")
        if not (key and token and sid):
            return None
        from .rest import ExotelRest

        return ExotelRest(
            key, token, sid, subdomain=self.credential("subdomain") or "api.exotel.com", base_url=self.api_base_url
        )


class ExotelTransport(TelephonyTransport):
    """An Exotel call: the Voicebot applet's stream at ``/ws``, its stream-URL endpoint at ``/``."""

    PLUGIN_NAME: ClassVar[str] = "exotel"
    DESCRIPTION: ClassVar[str] = "Exotel phone calls (Voicebot applet stream over WebSocket)"
    Config = LazyConfig("rtvi_telephony.plugin:ExotelConfig")
    CARRIER = Exotel
    SETTINGS: ClassVar[dict[str, Any]] = {"packet_ms": PACKET_MS}
