"""``EnergyVADAnalyzer``: a deterministic RMS-energy voice activity detector."""

from __future__ import annotations

from typing import Any

from ..component import Component, LazyConfig
from ..records import split_record
from ..services.vad import VADAnalyzer, VADParams


class EnergyVADAnalyzer(VADAnalyzer, Component):
    """Calls a window speech when it is loud enough; no model, fully deterministic.

    Confidence grows linearly from 0 at ``silence_dbfs`` to 1 at ``speech_dbfs``
    (RMS level of the window). Good for tests, text bots and quiet rooms; use a
    model-based analyzer (Silero) for real microphones.
    """

    PLUGIN_NAME = "energy"
    DESCRIPTION = "RMS-energy voice activity detection; deterministic, no model"
    Config = LazyConfig("rtvi_core.builtins.plugin:EnergyVADConfig")

    @classmethod
    def from_config(cls, config: Any) -> EnergyVADAnalyzer:
        """An analyzer from flat settings: its own levels plus the ``VADParams`` fields."""
        params, own = split_record(VADParams, dict(config))
        return cls(params=params, **own)

    def __init__(
        self,
        *,
        sample_rate: int | None = None,
        params: VADParams | None = None,
        window_secs: float = 0.02,
        silence_dbfs: float = -55.0,
        speech_dbfs: float = -35.0,
    ) -> None:
        if speech_dbfs <= silence_dbfs:
            raise ValueError("speech_dbfs must be above silence_dbfs")
        super().__init__(sample_rate=sample_rate, params=params)
        self._window_secs = window_secs
        self._silence_dbfs = silence_dbfs
        self._span = speech_dbfs - silence_dbfs

    def num_frames_required(self) -> int:
        """Samples in ``window_secs`` (20 ms by default)."""
        return max(1, int(self.sample_rate * self._window_secs))

    def voice_confidence(self, buffer: bytes) -> float:
        """Window loudness mapped onto 0..1 between the silence and speech levels."""
        confidence = (self.level_dbfs(buffer) - self._silence_dbfs) / self._span
        return 0.0 if confidence < 0.0 else 1.0 if confidence > 1.0 else confidence
