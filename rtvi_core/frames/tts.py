"""TTS control frames: what to say, and the bounds of a synthesis context."""

from __future__ import annotations

from ..records import record as frame_dataclass
from .base import ControlFrame, DataFrame


@frame_dataclass
class TTSSpeakFrame(DataFrame):
    """Text for the TTS to speak as is (not sent to the LLM)."""

    text: str
    append_to_context: bool = False


@frame_dataclass
class TTSStartedFrame(ControlFrame):
    """A TTS synthesis context started."""

    context_id: str | None = None


@frame_dataclass
class TTSStoppedFrame(ControlFrame):
    """A TTS synthesis context finished."""

    context_id: str | None = None
