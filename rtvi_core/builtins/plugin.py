"""The built-ins as a plugin: their bot-file parameters and their registration.

The plugin manager loads this module before any installed plugin, through the same
hooks. The ``Config`` models live here rather than beside the classes so that using
a built-in in code never imports pydantic: each class points at its model with
:class:`~rtvi_core.plugins.LazyConfig`, resolved on first access.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pydantic import Field, model_validator

from ..hookspecs import hookimpl
from ..record_model import StrictModel, model_from_record
from ..services.transport_params import TransportParams
from ..services.vad import VADParams
from .echo_llm import GREETING, EchoLLMService
from .energy_vad import EnergyVADAnalyzer
from .json_serializer import JSONFrameSerializer
from .memory_transport import MemoryTransport
from .text_turn import TextTurnAnalyzer
from .tone_tts import ToneTTSService

Register = Callable[[type], None]


if TYPE_CHECKING:
    # What type checkers see: its keys are derived from TransportParams at run time.

    class TransportAudioConfig(StrictModel):
        """A transport's audio settings: ``TransportParams`` without the VAD; base of transport configs."""

else:
    #: A transport's audio settings: ``TransportParams`` without the VAD; base of transport configs.
    TransportAudioConfig = model_from_record(
        TransportParams,
        "TransportAudioConfig",
        "A transport's audio settings (``TransportParams`` without the VAD); base of transport configs.",
        exclude=("vad_analyzer",),  # an analyzer object: the bot file's [vad] section
    )


class MemoryTransportConfig(TransportAudioConfig):
    """Audio settings of the in-memory transport."""


class JSONSerializerConfig(StrictModel):
    """The JSON serializer takes no parameters."""


class _EnergyLevels(StrictModel):
    """The energy VAD's own settings (its constructor's keywords)."""

    sample_rate: int | None = Field(None, gt=0, description="None: the transport's input rate")
    window_secs: float = Field(0.02, gt=0, description="analysis window length")
    silence_dbfs: float = Field(-55.0, description="level with confidence 0")
    speech_dbfs: float = Field(-35.0, description="level with confidence 1")

    @model_validator(mode="after")
    def _levels_ordered(self) -> _EnergyLevels:
        if self.speech_dbfs <= self.silence_dbfs:
            raise ValueError("speech_dbfs must be above silence_dbfs")
        return self


EnergyVADConfig = model_from_record(
    VADParams,
    "EnergyVADConfig",
    "Thresholds of the energy VAD (its own levels and the shared ``VADParams``).",
    base=_EnergyLevels,
)


class TextTurnConfig(StrictModel):
    """The text turn analyzer: how long a turn that is not complete waits."""

    stop_secs: float = Field(0.8, ge=0, description="the longest pause a turn the transcript leaves open bridges")
    require_punctuation: bool = Field(
        True, description="no terminal punctuation leaves a turn open (false: the last word decides)"
    )
    unpunctuated_secs: float = Field(
        0.4,
        ge=0,
        description="a transcript that lacks only its terminal punctuation ends the turn after this "
        "much silence (at most stop_secs)",
    )


class EchoLLMConfig(StrictModel):
    """Replies of the rule-based echo LLM."""

    greeting: str = Field(GREETING, description="the reply when there is no user message yet")
    fallback: str = Field("You said: {text}", description="the reply template ({text}: the user's)")
    token_delay: float = Field(0.0, ge=0, description="seconds between streamed words")
    model: str = "echo"


class ToneTTSConfig(StrictModel):
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
def rtvi_register_turn_analyzers(register: Register) -> None:
    register(TextTurnAnalyzer)


@hookimpl
def rtvi_register_llm(register: Register) -> None:
    register(EchoLLMService)


@hookimpl
def rtvi_register_tts(register: Register) -> None:
    register(ToneTTSService)
