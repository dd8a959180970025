"""The plugin module the ``rtvi`` entry point ``espeak`` names: config and registration."""

from __future__ import annotations

import os
from collections.abc import Callable

from pydantic import BaseModel, ConfigDict, Field, field_validator

from rtvi_core.plugins import hookimpl

from .tts import EspeakTTSService


class EspeakTTSConfig(BaseModel):
    """Bot-file parameters of :class:`~rtvi_espeak.tts.EspeakTTSService`."""

    model_config = ConfigDict(extra="forbid")

    voice: str = Field(
        "en-us",
        min_length=1,
        description="espeak-ng voice: a language ('en-us', 'fr'), optionally '+variant' "
        "('en-us+f3'); list them with `python -m rtvi_espeak voices`",
    )
    rate: int = Field(175, ge=80, le=450, description="speaking rate in words per minute")
    pitch: int = Field(50, ge=0, le=100, description="base pitch (50 is normal)")
    library: str = Field(
        "auto",
        description="'auto' (espeakng-loader's bundled library, else the system's "
        "libespeak-ng.so.1) or the path of a libespeak-ng shared library",
    )
    sample_rate: int | None = Field(None, gt=0, description="output rate; None: the run's")
    word_timestamps: bool = Field(True, description="push the text word by word with the audio")

    @field_validator("voice")
    @classmethod
    def _plain_voice_name(cls, voice: str) -> str:
        if any(ch.isspace() or not ch.isprintable() for ch in voice):
            raise ValueError("a voice name has no spaces or control characters, e.g. 'en-us'")
        return voice

    @field_validator("library")
    @classmethod
    def _auto_or_a_file(cls, library: str) -> str:
        if library != "auto" and not os.path.isfile(library):
            raise ValueError(f"expected 'auto' or the path of an existing libespeak-ng shared library, got {library!r}")
        return library


@hookimpl
def rtvi_register_tts(register: Callable[[type], None]) -> None:
    """Register the ``espeak`` TTS service."""
    register(EspeakTTSService)
