"""Who is speaking: user and bot speaking state, raw VAD and muting."""

from __future__ import annotations

from ..records import record as frame_dataclass
from .base import SystemFrame


@frame_dataclass
class UserStartedSpeakingFrame(SystemFrame):
    """The user's turn started (turn detection, possibly gated by a strategy)."""

    emulated: bool = False


@frame_dataclass
class UserStoppedSpeakingFrame(SystemFrame):
    """The user's turn ended."""

    emulated: bool = False


@frame_dataclass
class UserSpeakingFrame(SystemFrame):
    """Sent periodically while the user speaks."""


@frame_dataclass
class VADUserStartedSpeakingFrame(SystemFrame):
    """Raw voice-activity onset, before any turn logic."""

    start_secs: float = 0.0
    timestamp: float = 0.0


@frame_dataclass
class VADUserStoppedSpeakingFrame(SystemFrame):
    """Raw voice-activity end, before any turn logic."""

    stop_secs: float = 0.0
    timestamp: float = 0.0


@frame_dataclass
class UserMuteStartedFrame(SystemFrame):
    """The bot started ignoring user audio (e.g. while it speaks or a tool runs)."""


@frame_dataclass
class UserMuteStoppedFrame(SystemFrame):
    """The bot stopped ignoring user audio."""


@frame_dataclass
class STTMuteFrame(SystemFrame):
    """Asks STT services to stop (``mute=True``) or resume transcribing."""

    mute: bool


@frame_dataclass
class BotAudioHoldFrame(SystemFrame):
    """Hold the bot's audio (``hold``) while the VAD decides whether the user is speaking, or let it go on.

    The input transport pushes ``hold=True`` at the first speech window (before
    ``start_secs`` of speech confirm a turn) and ``hold=False`` when the VAD dismisses it
    or confirmed it (the interruption has then dropped the audio): at a barge-in the bot
    falls silent at once instead of after ``start_secs``.
    """

    hold: bool = True


@frame_dataclass
class BotStartedSpeakingFrame(SystemFrame):
    """The output transport wrote the first audio of a bot reply."""


@frame_dataclass
class BotStoppedSpeakingFrame(SystemFrame):
    """The bot's audio finished, was interrupted, or went silent."""


@frame_dataclass
class BotSpeakingFrame(SystemFrame):
    """Sent periodically while bot audio is being written."""
