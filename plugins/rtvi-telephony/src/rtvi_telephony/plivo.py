"""Plivo: audio streams (the ``<Stream>`` XML element), ``X-Plivo-Signature-V3``, the Call API,
and the ``plivo`` transport.

Messages: ``start`` with ``start.callId``, ``start.streamId``, ``start.accountId``,
``start.mediaFormat`` and the XML's ``extraHeaders`` as ``extra_headers`` (``k=v;k=v``);
``media``; ``dtmf``; ``playedStream`` (a checkpoint reached); ``clearedAudio``. Out:
``playAudio`` (with its ``contentType`` and ``sampleRate``), ``checkpoint`` (the mark) and
``clearAudio``. The stream's end comes as the socket's close (Plivo reports it to the
status callback, not on the stream).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from rtvi_core.plugins import LazyConfig
from rtvi_core.records import record, setting

from .carrier import CAMEL_FORMAT, Carrier, StartKeys, auth_token_setting, bounded_parameters
from .media_format import MediaFormat
from .transport import TelephonyTransport

if TYPE_CHECKING:
    from rtvi_core.server.http import Request


#: The stream formats Plivo offers (the ``<Stream contentType>`` values).
CONTENT_TYPES = ("audio/x-mulaw;rate=8000", "audio/x-l16;rate=8000", "audio/x-l16;rate=16000")
#: ``playAudio``'s ``contentType`` for each coding.
_CONTENT = {"mulaw": "audio/x-mulaw", "l16": "audio/x-l16"}


@record
class PlivoKeys:
    """Plivo's ``[transport]`` keys."""

    auth_id: str | None = setting(
        default=None, description='Plivo Auth ID (hang-up, rtvi call); e.g. "${env:PLIVO_AUTH_ID}"'
    )
    auth_token: str | None = auth_token_setting("Plivo", "PLIVO_AUTH_TOKEN")
    content_type: str = setting(
        default=CONTENT_TYPES[0],
        description="the stream's audio format, asked for in the webhook's <Stream contentType>",
    )


class Plivo(Carrier):
    """Plivo's protocols; keys ``auth_id`` and ``auth_token``; ``content_type`` picks the stream's format."""

    name = "plivo"
    KEYS = PlivoKeys
    REST_CLIENT, REST_KEYS = "PlivoRest", ("auth_id", "auth_token")
    STREAM_KEY = "streamId"
    START_KEYS = StartKeys(call_id="callId", account_id="accountId", **CAMEL_FORMAT)
    SIGNING_KEY = "auth_token"
    SIGNS_STREAM = True  # X-Plivo-Signature-V3 on the upgrade: the stream URL (query included) as a GET
    NUMBER_PARAMETERS = ("from", "to")  # extraHeaders take letters and digits only
    MARK_EVENT = "playedStream"
    IGNORED = frozenset({"clearedAudio"})

    @property
    def content_type(self) -> str:
        """The ``<Stream contentType>`` the webhook asks for."""
        return self.credential("content_type") or CONTENT_TYPES[0]

    @property
    def output_rate(self) -> int:
        encoding, _, rate = self.content_type.partition(";rate=")
        return MediaFormat.parse(encoding, int(rate or 8000)).sample_rate

    def stream_parameters(self, params: Mapping[str, str]) -> dict[str, str]:
        numbers = super().stream_parameters(params)
        return {name: "".join(filter(str.isdigit, value)) for name, value in numbers.items()}

    def parameters(self, message: Mapping[str, Any], start: Mapping[str, Any]) -> dict[str, str]:
        return bounded_parameters(message.get("extra_headers"))

    def mark_name(self, message: Mapping[str, Any]) -> str:
        name = message.get("name")
        return name[:256] if isinstance(name, str) else ""

    def media(self, stream_id: str, payload: str, fmt: MediaFormat) -> dict[str, Any]:
        media = {
            "contentType": _CONTENT.get(fmt.coding, "audio/x-mulaw"),
            "sampleRate": fmt.sample_rate,
            "payload": payload,
        }
        return {"event": "playAudio", "streamId": stream_id, "media": media}

    def mark(self, stream_id: str, name: str) -> dict[str, Any]:
        return {"event": "checkpoint", "streamId": stream_id, "name": name}

    def clear(self, stream_id: str) -> dict[str, Any]:
        return {"event": "clearAudio", "streamId": stream_id}

    def signed(self, key: str, request: Request, url: str, params: Mapping[str, str]) -> bool:
        from .signatures import plivo_signature_valid

        headers = request.headers
        return plivo_signature_valid(
            key, url, headers.get("x-plivo-signature-v3-nonce", ""), headers.get("x-plivo-signature-v3", ""), params
        )

    def answer(self, ws_url: str, params: Mapping[str, str]) -> tuple[str, bytes]:
        from .markup import plivo_xml

        return "application/xml", plivo_xml(ws_url, params, content_type=self.content_type).encode()


class PlivoTransport(TelephonyTransport):
    """A Plivo call: audio streams at ``/ws``, the answer URL at ``POST /``."""

    PLUGIN_NAME: ClassVar[str] = "plivo"
    DESCRIPTION: ClassVar[str] = "Plivo phone calls (audio streams over WebSocket, Plivo XML webhook)"
    Config = LazyConfig("rtvi_telephony.plugin:PlivoConfig")
    CARRIER = Plivo
