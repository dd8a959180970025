"""Audio frames: raw PCM in from the user, out to the user."""

from __future__ import annotations

from ..records import record as frame_dataclass
from .base import DataFrame, Frame, SystemFrame


@frame_dataclass
class AudioRawFrame:
    """Mixin for 16-bit signed little-endian PCM audio."""

    audio: bytes
    sample_rate: int
    num_channels: int

    @property
    def num_frames(self) -> int:
        """Number of audio frames (samples per channel)."""
        return len(self.audio) // (self.num_channels * 2)

    @property
    def duration_secs(self) -> float:
        """Length of the audio in seconds."""
        return self.num_frames / self.sample_rate if self.sample_rate else 0.0


@frame_dataclass
class InputAudioRawFrame(SystemFrame, AudioRawFrame):
    """Audio captured from the user (a system frame, so it never waits behind output)."""


@frame_dataclass
class UserAudioRawFrame(InputAudioRawFrame):
    """Input audio attributed to one participant."""

    user_id: str = ""


#: The user's audio frames: 50 a second per session, which the processors after speech
#: recognition only pass on (their ``FrameProcessor.passes_through``), so each frame goes
#: from the STT to whatever acts on it (a recorder, the task's end) in one hop.
USER_AUDIO_FRAMES: frozenset[type[Frame]] = frozenset({InputAudioRawFrame, UserAudioRawFrame})


@frame_dataclass
class OutputAudioRawFrame(DataFrame, AudioRawFrame):
    """Audio to play to the user, written by the output transport in order."""


@frame_dataclass
class TTSAudioRawFrame(OutputAudioRawFrame):
    """Audio produced by a TTS service for one synthesis context."""

    context_id: str | None = None
