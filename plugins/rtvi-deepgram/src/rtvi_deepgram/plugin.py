"""The plugin module the ``rtvi`` entry point names: the ``deepgram`` STT and its parameters."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from rtvi_core.plugins import hookimpl

from .options import DEFAULT_BASE_URL, DEFAULT_LANGUAGE, DEFAULT_MODEL, OWN_PARAMS, check_base_url
from .stt import DEFAULT_API_KEY_ENV, DeepgramSTTService


class DeepgramSTTConfig(BaseModel):
    """Bot-file parameters of :class:`~rtvi_deepgram.stt.DeepgramSTTService`."""

    model_config = ConfigDict(extra="forbid")

    api_key: str | None = Field(
        None, description='the API key, e.g. "${env:MY_DEEPGRAM_KEY}"; wins over api_key_env', repr=False
    )
    api_key_env: str | None = Field(
        DEFAULT_API_KEY_ENV,
        description="environment variable holding the API key, read at start (not needed for a server "
        'on localhost); "": never send a key',
    )
    base_url: str = Field(
        DEFAULT_BASE_URL,
        description="the API root, without /v1/listen (wss://, or https:// taken as wss://): Deepgram, "
        "a regional or self-hosted endpoint, a proxy, or a local test server",
    )
    model: str = Field(DEFAULT_MODEL, min_length=1, description="the Deepgram model, e.g. nova-3, nova-2-phonecall")
    language: str = Field(
        DEFAULT_LANGUAGE, min_length=1, description='BCP-47 language (en, en-US, fr...), or "multi" (nova-3)'
    )
    endpointing: int = Field(
        300, ge=0, le=60000, description="ms of silence after which Deepgram ends a segment (speech_final); 0: off"
    )
    smart_format: bool = Field(True, description="format numbers, dates, currency... in the transcript")
    punctuate: bool = Field(True, description="add punctuation and capitals")
    interim_results: bool = Field(True, description="send interim transcripts while the user speaks")
    utterance_end_ms: int | None = Field(
        None, ge=1000, le=60000, description="send UtteranceEnd after this gap between words (needs interim_results)"
    )
    vad_events: bool = Field(False, description="send SpeechStarted when Deepgram hears speech start")
    keyterms: list[str] = Field(
        default_factory=list, max_length=100, description="words and phrases to boost (keyterm prompting, nova-3)"
    )
    extra_params: dict[str, str | int | float | bool] = Field(
        default_factory=dict, description="further query parameters of /v1/listen, sent as given (diarize...)"
    )
    timeout_secs: float = Field(
        10.0, gt=0, le=300, description="limit for opening the stream, for a Finalize's answer and for pings"
    )
    keepalive_secs: float = Field(
        5.0, gt=0, lt=10, description="send KeepAlive after this long without audio (Deepgram closes at 10 s)"
    )
    max_reconnects: int = Field(5, ge=0, le=100, description="reconnect attempts in a row before giving up")
    reconnect_buffer_secs: float = Field(
        10.0, gt=0, le=120, description="audio kept while reconnecting (the oldest is dropped beyond)"
    )
    chunk_ms: int = Field(
        60,
        ge=0,
        le=250,
        description="audio gathered into one message (0: each frame as it comes); sent early at a turn's end",
    )

    @field_validator("base_url")
    @classmethod
    def _ws_url(cls, value: str) -> str:
        return check_base_url(value)

    @field_validator("keyterms")
    @classmethod
    def _terms(cls, value: list[str]) -> list[str]:
        if any(not term.strip() for term in value):
            raise ValueError("keyterms must not be empty strings")
        return value

    @field_validator("extra_params")
    @classmethod
    def _not_own(cls, value: dict[str, str | int | float | bool]) -> dict[str, str | int | float | bool]:
        own = sorted(OWN_PARAMS & set(value))
        if own:
            raise ValueError(f"extra_params may not set {', '.join(own)}: use the key of that name (keyterms)")
        return value

    @model_validator(mode="after")
    def _utterance_end_needs_interims(self) -> DeepgramSTTConfig:
        if self.utterance_end_ms is not None and not self.interim_results:
            raise ValueError("utterance_end_ms needs interim_results = true (Deepgram's rule)")
        return self


@hookimpl
def rtvi_register_stt(register: Callable[[type], None]) -> None:
    """Register the ``deepgram`` STT."""
    register(DeepgramSTTService)
