"""The plugin module the ``rtvi`` entry point names: the ``elevenlabs`` TTS and its parameters."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from rtvi_core.plugins import hookimpl

from .formats import PCM_RATES, check_base_url, is_loopback
from .tts import (
    API_KEY_ENV,
    DEFAULT_BASE_URL,
    DEFAULT_INACTIVITY_TIMEOUT,
    DEFAULT_MODEL,
    DEFAULT_TIMEOUT_SECS,
    DEFAULT_VOICE_ID,
    ElevenLabsTTSService,
)


class ElevenLabsTTSConfig(BaseModel):
    """Bot-file parameters of :class:`~rtvi_elevenlabs.tts.ElevenLabsTTSService`."""

    model_config = ConfigDict(extra="forbid")

    api_key: str | None = Field(
        None,
        repr=False,
        description=f'the API key, e.g. "${{env:MY_ELEVENLABS_KEY}}"; default: the environment variable {API_KEY_ENV}',
    )
    base_url: str = Field(
        DEFAULT_BASE_URL,
        description="the API root, without /v1: ElevenLabs (wss://api.elevenlabs.io, or a regional "
        "endpoint), a proxy, or a local test server (ws://127.0.0.1:PORT)",
    )
    voice_id: str = Field(DEFAULT_VOICE_ID, min_length=1, description="the ElevenLabs voice")
    model: str = Field(
        DEFAULT_MODEL, min_length=1, description="the model, e.g. eleven_flash_v2_5 or eleven_turbo_v2_5"
    )
    language: str | None = Field(
        None, description="ISO 639-1 language code (language_code; flash and turbo v2.5 models only)"
    )
    speed: float | None = Field(None, ge=0.7, le=1.2, description="speaking rate, 0.7 to 1.2 (1: normal)")
    stability: float | None = Field(None, ge=0, le=1, description="voice stability, 0 to 1")
    similarity_boost: float | None = Field(None, ge=0, le=1, description="closeness to the original voice, 0 to 1")
    style: float | None = Field(None, ge=0, le=1, description="style exaggeration, 0 to 1")
    sample_rate: int | None = Field(
        None,
        description=f"output rate in Hz, one of {', '.join(map(str, PCM_RATES))} (default: the pipeline's output rate)",
    )
    timeout_secs: float = Field(
        DEFAULT_TIMEOUT_SECS, gt=0, description="longest wait for the connection and for each answer"
    )
    inactivity_timeout: int = Field(
        DEFAULT_INACTIVITY_TIMEOUT,
        ge=5,
        le=180,
        description="seconds of silence after which ElevenLabs closes the socket; the plugin keeps it alive",
    )
    push_text_frames: bool = Field(True, description="push the spoken words (bot-tts-text, bot-output)")

    @field_validator("base_url")
    @classmethod
    def _ws_url(cls, value: str) -> str:
        return check_base_url(value)

    @field_validator("sample_rate")
    @classmethod
    def _pcm_rate(cls, value: int | None) -> int | None:
        if value is not None and value not in PCM_RATES:
            raise ValueError(f"ElevenLabs streams PCM at {', '.join(map(str, PCM_RATES))} Hz only, not {value}")
        return value

    @model_validator(mode="after")
    def _key_is_set(self) -> Self:
        if self.api_key is None and not os.environ.get(API_KEY_ENV) and not is_loopback(self.base_url):
            raise ValueError(
                f"no ElevenLabs API key: set the environment variable {API_KEY_ENV}, or api_key "
                '(e.g. api_key = "${env:MY_ELEVENLABS_KEY}"); a local server needs none'
            )
        return self


@hookimpl
def rtvi_register_tts(register: Callable[[type], None]) -> None:
    """Register the ``elevenlabs`` TTS."""
    register(ElevenLabsTTSService)
