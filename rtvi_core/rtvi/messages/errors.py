"""Exceptions raised while parsing inbound RTVI messages.

Every exception's ``str()`` is the bare detail text; ``error_text`` is the full
text for the wire and ``reply`` tells which reply the RTVI processor sends
(spec §2, §5):

* ``EnvelopeError`` — ``reply="error"``: a non-fatal ``error`` event (no id),
  ``Invalid RTVI transport message: <details>``.
* ``InvalidMessageError`` — ``reply="error-response"``: ``Invalid message: <details>``.
* ``MessageProcessingError`` — ``reply="error-response"``:
  ``Exception processing message: <details>`` (e.g. null ``raw-audio`` data).
* ``UnsupportedTypeError`` — ``reply="error-response"``: ``Unsupported type <type>``.
* ``DroppedMessageError`` — ``reply=None``: log and drop, no reply at all
  (``raw-audio`` with missing/ill-typed keys or bad base64).
"""

from __future__ import annotations

from typing import ClassVar, Literal

ReplyKind = Literal["error", "error-response"] | None


class RTVIMessageError(ValueError):
    """Base class; ``str(exc)`` is the detail text."""

    prefix: ClassVar[str] = ""
    reply: ClassVar[ReplyKind] = "error-response"

    @property
    def details(self) -> str:
        """The detail text (same as ``str(exc)``)."""
        return str(self)

    @property
    def error_text(self) -> str:
        """Full error text as sent to the client."""
        return f"{self.prefix}{self}"


class EnvelopeError(RTVIMessageError):
    """Right label but malformed envelope: answer with a non-fatal ``error`` event."""

    prefix = "Invalid RTVI transport message: "
    reply = "error"


class InvalidMessageError(RTVIMessageError):
    """``data`` failed validation for a known type: ``error-response``."""

    prefix = "Invalid message: "


class MessageProcessingError(RTVIMessageError):
    """Failure mapped to ``Exception processing message: …`` (e.g. null raw-audio data)."""

    prefix = "Exception processing message: "


class UnsupportedTypeError(RTVIMessageError):
    """Unknown client message type; ``str(exc)`` is the type string."""

    prefix = "Unsupported type "

    def __init__(self, msg_type: str) -> None:
        super().__init__(msg_type)
        self.msg_type = msg_type


class DroppedMessageError(RTVIMessageError):
    """Message must be logged and dropped without any reply (raw-audio problems)."""

    reply = None
