"""TTS control frames: what to say, and the bounds of a synthesis context."""

from __future__ import annotations

from dataclasses import dataclass

from .base import ControlFrame, DataFrame


@dataclass(eq=False)
class TTSSpeakFrame(DataFrame):
    """Text for the TTS to speak as is (not sent to the LLM)."""

    text: str
    append_to_context: bool = False


@dataclass(eq=False)
class TTSStartedFrame(ControlFrame):
    """A TTS synthesis context started."""

    context_id: str | None = None


@dataclass(eq=False)
class TTSStoppedFrame(ControlFrame):
    """A TTS synthesis context finished."""

    context_id: str | None = None
