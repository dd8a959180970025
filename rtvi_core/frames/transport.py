"""Frames that cross the transport: client messages, DTMF, connection events."""

from __future__ import annotations

import enum
from typing import Any

from ..records import record as frame_dataclass
from .base import ControlFrame, DataFrame, SystemFrame


@frame_dataclass
class InputTransportMessageFrame(SystemFrame):
    """A message received from the client (for RTVI, the decoded JSON object)."""

    message: Any


@frame_dataclass
class OutputTransportMessageFrame(DataFrame):
    """A message for the client, sent in order with the output."""

    message: Any


@frame_dataclass
class OutputTransportMessageUrgentFrame(SystemFrame):
    """A message for the client, sent at once (the path of every RTVI event)."""

    message: Any


class KeypadEntry(str, enum.Enum):
    """A telephone keypad key."""

    ONE = "1"
    TWO = "2"
    THREE = "3"
    FOUR = "4"
    FIVE = "5"
    SIX = "6"
    SEVEN = "7"
    EIGHT = "8"
    NINE = "9"
    ZERO = "0"
    POUND = "#"
    STAR = "*"


@frame_dataclass
class InputDTMFFrame(SystemFrame):
    """A keypress received from the user."""

    button: KeypadEntry


@frame_dataclass
class OutputDTMFFrame(DataFrame):
    """A keypress to send to the user's side (telephony)."""

    button: KeypadEntry


@frame_dataclass
class ClientConnectedFrame(SystemFrame):
    """A client connected to the transport."""


@frame_dataclass
class InputTransportStartAudioStreamingFrame(ControlFrame):
    """Asks the input transport to start passing client audio on (sent on client-ready)."""
