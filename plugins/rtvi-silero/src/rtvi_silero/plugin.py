"""The plugin module the ``rtvi`` entry point names: the bot-file parameters and registration."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from pydantic import Field, field_validator, model_validator

from rtvi_core.plugins import hookimpl
from rtvi_core.record_model import StrictModel, model_from_record
from rtvi_core.services.vad import VADParams

from .model import SileroModelError, resolve_model_path
from .vad import SileroVADAnalyzer
from .webrtc import WebRTCVADAnalyzer, check_webrtcvad

#: The turn timing both analyzers take, as ``VADParams`` declares it (``start_secs``, ``stop_secs``).
_TurnConfig: type[StrictModel] = model_from_record(
    VADParams,
    "_TurnConfig",
    "The turn timing both analyzers take (``VADParams.start_secs``/``stop_secs``).",
    exclude=("confidence", "min_volume"),  # each analyzer's own default and wording, below
)


class SileroVADConfig(_TurnConfig):  # type: ignore[misc,valid-type]  # keys built at run time
    """Bot-file parameters of :class:`~rtvi_silero.vad.SileroVADAnalyzer`."""

    confidence: float = Field(0.7, ge=0, le=1, description="speech probability that starts speech")
    stop_confidence: float | None = Field(
        None, ge=0, le=1, description="probability that still counts as speech while speaking (None: confidence - 0.15)"
    )
    min_volume: float = Field(
        0.0, ge=0, le=1, description="minimum smoothed volume of speech (0: the model alone decides)"
    )
    sample_rate: Literal[8000, 16000] | None = Field(
        None, description="model rate (None: the stream's if 8000/16000, else 16000 with resampling)"
    )
    model_path: str | None = Field(
        None,
        validate_default=True,
        description="a Silero .onnx file (None: the silero-vad wheel's, else faster-whisper's)",
    )
    reset_after_secs: float = Field(5.0, gt=0, description="quiet after which the model state resets")
    batch: bool = Field(
        True, description="run every session's windows in batches on a worker thread (False: on the event loop)"
    )

    @field_validator("model_path")
    @classmethod
    def _model_available(cls, path: str | None) -> str | None:
        try:
            resolve_model_path(path)
        except SileroModelError as exc:
            raise ValueError(str(exc)) from None
        return path

    @model_validator(mode="after")
    def _thresholds_ordered(self) -> SileroVADConfig:
        if self.stop_confidence is not None and self.stop_confidence > self.confidence:
            raise ValueError(f"stop_confidence ({self.stop_confidence}) must not exceed confidence ({self.confidence})")
        return self


class WebRTCVADConfig(_TurnConfig):  # type: ignore[misc,valid-type]  # keys built at run time
    """Bot-file parameters of :class:`~rtvi_silero.webrtc.WebRTCVADAnalyzer` (extra ``[webrtc]``)."""

    aggressiveness: Literal[0, 1, 2, 3] = Field(
        2, description="0: most permissive .. 3: most eager to call audio non-speech"
    )
    frame_ms: Literal[10, 20, 30] = Field(20, description="analysis frame length")
    confidence: float = Field(0.5, gt=0, le=1, description="frames are 0 or 1: any value in (0, 1]")
    min_volume: float = Field(0.6, ge=0, le=1, description="minimum smoothed volume of speech")

    @model_validator(mode="after")
    def _webrtcvad_installed(self) -> WebRTCVADConfig:
        try:
            check_webrtcvad()
        except ImportError as exc:
            raise ValueError(str(exc)) from None
        return self


@hookimpl
def rtvi_register_vad(register: Callable[[type], None]) -> None:
    """Register the ``silero`` and ``webrtc`` VAD analyzers."""
    register(SileroVADAnalyzer)
    register(WebRTCVADAnalyzer)
