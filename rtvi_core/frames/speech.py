"""Who is speaking: user and bot speaking state, raw VAD and muting."""

from __future__ import annotations

from dataclasses import dataclass

from .base import SystemFrame


@dataclass(eq=False)
class UserStartedSpeakingFrame(SystemFrame):
    """The user's turn started (turn detection, possibly gated by a strategy)."""

    emulated: bool = False


@dataclass(eq=False)
class UserStoppedSpeakingFrame(SystemFrame):
    """The user's turn ended."""

    emulated: bool = False


@dataclass(eq=False)
class UserSpeakingFrame(SystemFrame):
    """Sent periodically while the user speaks."""


@dataclass(eq=False)
class VADUserStartedSpeakingFrame(SystemFrame):
    """Raw voice-activity onset, before any turn logic."""

    start_secs: float = 0.0
    timestamp: float = 0.0


@dataclass(eq=False)
class VADUserStoppedSpeakingFrame(SystemFrame):
    """Raw voice-activity end, before any turn logic."""

    stop_secs: float = 0.0
    timestamp: float = 0.0


@dataclass(eq=False)
class UserMuteStartedFrame(SystemFrame):
    """The bot started ignoring user audio (e.g. while it speaks or a tool runs)."""


@dataclass(eq=False)
class UserMuteStoppedFrame(SystemFrame):
    """The bot stopped ignoring user audio."""


@dataclass(eq=False)
class STTMuteFrame(SystemFrame):
    """Asks STT services to stop (``mute=True``) or resume transcribing."""

    mute: bool


@dataclass(eq=False)
class BotStartedSpeakingFrame(SystemFrame):
    """The output transport wrote the first audio of a bot reply."""


@dataclass(eq=False)
class BotStoppedSpeakingFrame(SystemFrame):
    """The bot's audio finished, was interrupted, or went silent."""


@dataclass(eq=False)
class BotSpeakingFrame(SystemFrame):
    """Sent periodically while bot audio is being written."""
