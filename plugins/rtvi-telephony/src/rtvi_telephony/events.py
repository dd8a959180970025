"""What a carrier's media stream says, decoded: the call's start, audio, keypresses, marks, its end.

Each carrier's wire format (:mod:`.carrier` and the carrier modules) turns one JSON message
into one of these; a message that cannot be used raises :class:`WireError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .media_format import MediaFormat


class WireError(Exception):
    """A message from the carrier that cannot be used: ``kind`` names the fault (one log line per kind)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True, slots=True)
class CallInfo:
    """The call a media stream carries, from its ``start`` message.

    ``caller``/``callee``: the numbers as the carrier gave them ("" when it did not);
    ``parameters``: the custom parameters the webhook's markup (or the applet) attached.
    """

    carrier: str
    stream_id: str
    call_id: str
    media_format: MediaFormat
    caller: str = ""
    callee: str = ""
    account_id: str = ""
    parameters: dict[str, str] = field(default_factory=dict)

    def as_data(self) -> dict[str, Any]:
        """The call as session data (``BotSession.data["call"]``): plain JSON values."""
        return {
            "carrier": self.carrier,
            "call_id": self.call_id,
            "stream_id": self.stream_id,
            "from": self.caller,
            "to": self.callee,
            "account_id": self.account_id,
            "parameters": dict(self.parameters),
            "media_format": self.media_format.name,
        }


@dataclass(frozen=True, slots=True)
class Connected:
    """The carrier's greeting before ``start`` (Twilio, Telnyx, Exotel)."""


@dataclass(frozen=True, slots=True)
class Media:
    """Caller audio: base64 ``payload`` in the call's media format."""

    stream_id: str | None
    payload: str


@dataclass(frozen=True, slots=True)
class Dtmf:
    """A keypress of the caller."""

    stream_id: str | None
    digit: str


@dataclass(frozen=True, slots=True)
class Mark:
    """The carrier played our audio up to the mark ``name`` (or dropped it on a clear)."""

    stream_id: str | None
    name: str


@dataclass(frozen=True, slots=True)
class Stop:
    """The stream ended: the caller hung up, or the call moved on."""

    stream_id: str | None


@dataclass(frozen=True, slots=True)
class Ignored:
    """A documented message the bot has no use for (an acknowledgement, an error report)."""

    event: str
    detail: str = ""


Event = CallInfo | Connected | Media | Dtmf | Mark | Stop | Ignored
