"""Text frames: plain text, LLM output, spoken text and transcriptions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from ..records import record as frame_dataclass
from .base import DataFrame


def time_now_iso8601() -> str:
    """The current UTC time as ISO-8601 with milliseconds: the format of transcription timestamps."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@frame_dataclass
class TextFrame(DataFrame):
    """A chunk of text.

    ``skip_tts`` marks text that TTS passes on without speaking; ``append_to_context``
    false keeps it out of the conversation context.
    """

    text: str
    # not fields (no annotation, so not in __init__): class defaults that an instance may override
    skip_tts = cast("bool | None", None)
    append_to_context = True


@frame_dataclass
class LLMTextFrame(TextFrame):
    """A chunk of LLM output, including its own spacing."""


@frame_dataclass
class AggregatedTextFrame(TextFrame):
    """A bot text segment on its way to the output transport.

    ``aggregated_by`` says how it was cut (``"sentence"``, ``"word"``, ``"token"`` or a
    custom type). A TTS service pushes one, with ``will_be_spoken=True``, just before
    a sentence's audio (its ``id`` is then the segment id); text that will not be
    spoken passes as one with ``will_be_spoken=False``.
    """

    aggregated_by: str = "sentence"
    will_be_spoken: bool = False


@frame_dataclass
class TTSTextFrame(AggregatedTextFrame):
    """Text that the bot has just spoken, released by the output transport at playback.

    A TTS that times words pushes one per word (``aggregated_by="word"``) just before
    the word's audio; one that cannot pushes one per sentence just after the
    sentence's audio. ``segment_id`` is the id of the segment's
    :class:`AggregatedTextFrame`; ``context_id`` the TTS synthesis context.
    """

    will_be_spoken: bool = True
    segment_id: int | None = None
    context_id: str | None = None


@frame_dataclass
class TranscriptionFrame(TextFrame):
    """A final speech-to-text result."""

    user_id: str = ""
    timestamp: str = ""
    language: str | None = None
    result: Any = None


@frame_dataclass
class InterimTranscriptionFrame(TextFrame):
    """A partial speech-to-text result that may still change."""

    user_id: str = ""
    timestamp: str = ""
    language: str | None = None
    result: Any = None
