"""What travels on the stock client's ``chat`` data channel, decoded and bounded.

Client → server, all text: RTVI messages as plain JSON objects (``{"label": "rtvi-ai",
"type", "id", "data"}``), the transport's own ``{"type": "signalling", "message":
{"type": "trackStatus", "receiver_index", "enabled"}}``, and a keepalive ``"ping: <ms>"``
every second (not JSON). Server → client: RTVI messages as their JSON text, and
``{"type": "signalling", "message": {"type": "peerLeft" | "renegotiate"}}``.
"""

from __future__ import annotations

from typing import Any, Final

import msgspec

from rtvi_core.rtvi.messages import JSONBoundsError, decode_client_json

#: Which of the client's tracks a ``trackStatus`` is about.
TRACK_NAMES: Final = ("microphone", "camera", "screen")

_encode = msgspec.json.Encoder().encode


class Ping(msgspec.Struct, frozen=True):
    """The client's keepalive."""


class TrackStatus(msgspec.Struct, frozen=True):
    """The client turned one of its tracks on or off."""

    receiver_index: int
    enabled: bool

    @property
    def track(self) -> str:
        """``microphone``, ``camera`` or ``screen``."""
        return TRACK_NAMES[self.receiver_index]


class RTVIMessage(msgspec.Struct, frozen=True):
    """An RTVI message for the pipeline (the decoded JSON object)."""

    message: dict[str, Any]


class BadMessage(msgspec.Struct, frozen=True):
    """A message the server cannot use, and why (answered with an RTVI ``error``)."""

    reason: str


Inbound = Ping | TrackStatus | RTVIMessage | BadMessage


def decode_inbound(data: str | bytes, max_bytes: int) -> Inbound:
    """Classify one data-channel message; never raises."""
    if isinstance(data, bytes):
        return BadMessage("binary data-channel messages are not used (RTVI messages are JSON text)")
    if len(data) > max_bytes:  # a character is 1-4 bytes: a quick bound before encoding
        return BadMessage(f"message longer than {max_bytes} bytes")
    if data.startswith("ping"):
        return Ping()
    try:
        value = decode_client_json(data)
    except JSONBoundsError as exc:
        return BadMessage(str(exc))
    except msgspec.DecodeError:
        return BadMessage("a data-channel message must be JSON (an RTVI message) or a ping")
    if not isinstance(value, dict):
        return BadMessage("a data-channel message must be a JSON object")
    if value.get("type") == "signalling" and "label" not in value:
        return _signalling(value.get("message"))
    return RTVIMessage(value)


def _signalling(message: Any) -> Inbound:
    if not isinstance(message, dict) or message.get("type") != "trackStatus":
        kind = message.get("type") if isinstance(message, dict) else None
        return BadMessage(f"unknown signalling message {kind!r} (this server takes 'trackStatus')")
    try:
        status = msgspec.convert(
            {"receiver_index": message.get("receiver_index"), "enabled": message.get("enabled")}, TrackStatus
        )
    except msgspec.ValidationError as exc:
        return BadMessage(f"trackStatus: {exc}")
    if not 0 <= status.receiver_index < len(TRACK_NAMES):
        return BadMessage(f"trackStatus: receiver_index must be 0-{len(TRACK_NAMES) - 1}")
    return status


def signalling(kind: str) -> str:
    """The text of a server signalling message: ``peerLeft`` or ``renegotiate``."""
    return _encode({"type": "signalling", "message": {"type": kind}}).decode()


def encode_message(message: Any) -> str:
    """The text of an RTVI message to the client."""
    return _encode(message).decode()
