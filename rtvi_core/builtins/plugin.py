"""The built-ins as a plugin: their bot-file parameters and their registration.

The plugin manager loads this module before any installed plugin, through the same
hooks. The ``Config`` models live here rather than beside the classes so that using
a built-in in code never imports pydantic: each class points at its model with
:class:`~rtvi_core.plugins.LazyConfig`, resolved on first access.
"""

from __future__ import annotations

from typing import Callable

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..hookspecs import hookimpl
from .echo_llm import GREETING, EchoLLMService
from .energy_vad import EnergyVADAnalyzer
from .json_serializer import JSONFrameSerializer
from .memory_transport import MemoryTransport
from .tone_tts import ToneTTSService

Register = Callable[[type], None]


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TransportAudioConfig(_Params):
    """A transport's audio settings (``TransportParams`` without the VAD); base of transport configs."""

    audio_in_enabled: bool = Field(False, description="accept microphone audio from the client")
    audio_in_sample_rate: int | None = Field(None, gt=0, description="None: the run's input rate")
    audio_in_channels: int = Field(1, ge=1)
    audio_in_stream_on_start: bool = Field(True, description="pass client audio from the start")
    audio_in_burst_secs: float = Field(
        20.0, gt=0, description="seconds of client audio accepted at once, ahead of real time"
    )
    audio_in_max_speed: float = Field(
        1.5, ge=0, description="sustained client audio, × real time, beyond the burst (0 = no bound)"
    )
    audio_out_enabled: bool = Field(False, description="send the bot's audio to the client")
    audio_out_sample_rate: int | None = Field(None, gt=0, description="None: the run's output rate")
    audio_out_channels: int = Field(1, ge=1)
    audio_out_10ms_chunks: int = Field(4, ge=1, description="output chunk length, in 10 ms")
    audio_out_realtime: bool = Field(True, description="pace output audio at playback speed")
    bot_silence_timeout_secs: float = Field(0.35, gt=0, description="silence that ends bot speech")
    bot_speaking_interval_secs: float = Field(0.2, gt=0)


class MemoryTransportConfig(TransportAudioConfig):
    """Audio settings of the in-memory transport."""


class JSONSerializerConfig(_Params):
    """The JSON serializer takes no parameters."""


class EnergyVADConfig(_Params):
    """Thresholds of the energy VAD (its own levels and the shared ``VADParams``)."""

    sample_rate: int | None = Field(None, gt=0, description="None: the transport's input rate")
    window_secs: float = Field(0.02, gt=0, description="analysis window length")
    silence_dbfs: float = Field(-55.0, description="level with confidence 0")
    speech_dbfs: float = Field(-35.0, description="level with confidence 1")
    confidence: float = Field(0.7, ge=0, le=1, description="minimum confidence of speech")
    start_secs: float = Field(0.2, ge=0, description="speech needed to start a turn")
    stop_secs: float = Field(0.8, ge=0, description="silence needed to end a turn")
    min_volume: float = Field(0.6, ge=0, le=1, description="minimum smoothed volume of speech")

    @model_validator(mode="after")
    def _levels_ordered(self) -> EnergyVADConfig:
        if self.speech_dbfs <= self.silence_dbfs:
            raise ValueError("speech_dbfs must be above silence_dbfs")
        return self


class EchoLLMConfig(_Params):
    """Replies of the rule-based echo LLM."""

    greeting: str = Field(GREETING, description="the reply when there is no user message yet")
    fallback: str = Field("You said: {text}", description="the reply template ({text}: the user's)")
    token_delay: float = Field(0.0, ge=0, description="seconds between streamed words")
    model: str = "echo"


class ToneTTSConfig(_Params):
    """The tone TTS: one deterministic tone per word."""

    word_timestamps: bool = Field(True, description="report word timing (word-by-word text)")
    realtime_factor: float = Field(0.0, ge=0, description="1: synthesize at playback speed")
    sample_rate: int | None = Field(None, gt=0, description="None: the run's output rate")


@hookimpl
def rtvi_register_transports(register: Register) -> None:
    register(MemoryTransport)


@hookimpl
def rtvi_register_serializers(register: Register) -> None:
    register(JSONFrameSerializer)


@hookimpl
def rtvi_register_vad(register: Register) -> None:
    register(EnergyVADAnalyzer)


@hookimpl
def rtvi_register_llm(register: Register) -> None:
    register(EchoLLMService)


@hookimpl
def rtvi_register_tts(register: Register) -> None:
    register(ToneTTSService)
