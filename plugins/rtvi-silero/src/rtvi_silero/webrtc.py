"""``WebRTCVADAnalyzer``: the light WebRTC VAD (``webrtcvad-wheels``), no model file.

About 6 µs per 20 ms frame, but it is an energy/GMM detector: it takes white noise
for speech. Good as a cheap gate in quiet rooms; Silero is the turn detector.
"""

from __future__ import annotations

import importlib.util
from typing import Any

from rtvi_core.plugins import LazyConfig
from rtvi_core.services.vad import VADParams

from .analyzer_base import PluginVADAnalyzer
from .windows import ResampledWindows

#: The rates webrtcvad takes; other stream rates are resampled to 16 kHz.
WEBRTC_RATES = (8000, 16000, 32000, 48000)
INSTALL_WEBRTC = "pip install 'rtvi-silero[webrtc]'  (or: pip install webrtcvad-wheels)"


def check_webrtcvad() -> None:
    """Raise ``ImportError`` naming the install command unless webrtcvad is installed."""
    if importlib.util.find_spec("webrtcvad") is None:
        raise ImportError(f"the webrtc VAD needs the webrtcvad module: {INSTALL_WEBRTC}")


class WebRTCVADAnalyzer(PluginVADAnalyzer):
    """Voice activity from WebRTC's VAD: each frame is speech (confidence 1) or not (0).

    ``aggressiveness``: 0 (most permissive) to 3 (most eager to call audio non-speech).
    ``frame_ms``: 10, 20 or 30 ms frames. The core's ``start_secs``/``stop_secs`` state
    machine and ``min_volume`` gate apply on top.
    """

    PLUGIN_NAME = "webrtc"
    DESCRIPTION = "WebRTC VAD (webrtcvad-wheels): very cheap, fires on noise"
    Config = LazyConfig("rtvi_silero.plugin:WebRTCVADConfig")

    def __init__(self, *, params: VADParams | None = None, aggressiveness: int = 2, frame_ms: int = 20) -> None:
        if aggressiveness not in (0, 1, 2, 3):
            raise ValueError(f"aggressiveness must be 0, 1, 2 or 3, got {aggressiveness!r}")
        if frame_ms not in (10, 20, 30):
            raise ValueError(f"frame_ms must be 10, 20 or 30, got {frame_ms!r}")
        check_webrtcvad()
        super().__init__(params=params)
        self._aggressiveness = aggressiveness
        self._frame_ms = frame_ms
        self._vad: Any = None
        self._rate = 0
        self._windows: ResampledWindows | None = None
        self._speech = False

    @classmethod
    def check_installed(cls) -> None:
        """Raise ``ImportError`` naming the install command unless webrtcvad is installed."""
        check_webrtcvad()

    def num_frames_required(self) -> int:
        """``frame_ms`` of audio at the stream's rate."""
        return self.sample_rate * self._frame_ms // 1000

    def set_sample_rate(self, sample_rate: int) -> None:
        """Set the stream's rate; streams at rates webrtcvad does not take are resampled."""
        super().set_sample_rate(sample_rate)
        import webrtcvad

        self._vad = webrtcvad.Vad(self._aggressiveness)
        self._rate = sample_rate if sample_rate in WEBRTC_RATES else 16000
        self._windows = None
        if self._rate != sample_rate:
            self._windows = ResampledWindows(sample_rate, self._rate, self._rate * self._frame_ms // 1000)
        self._speech = False

    def voice_confidence(self, buffer: bytes) -> float:
        """1.0 when webrtcvad calls the frame speech, else 0.0."""
        windows = [buffer] if self._windows is None else self._windows.feed(buffer)
        for window in windows:
            self._speech = self._vad.is_speech(window, self._rate)
        return 1.0 if self._speech else 0.0
