"""WebRTCVADAnalyzer (the ``[webrtc]`` extra): the VAD contract, its config and its install hint."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from rtvi_silero import WebRTCVADAnalyzer

from rtvi_core.cli.plugins_cmd import build_report
from rtvi_core.plugins import PluginManager
from rtvi_core.services import VADParams
from rtvi_core.testing.contracts.vad import VADContract, sine, trace, white_noise
from rtvi_core.testing.speech import silence


class TestWebRTCContract(VADContract):
    other_sample_rates = (8000, 24000, 48000)  # 24 kHz is resampled to 16 kHz

    @pytest.fixture
    def vad(self) -> WebRTCVADAnalyzer:
        return WebRTCVADAnalyzer()

    def non_speech(self) -> dict[str, bytes]:
        """WebRTC's VAD takes white noise for speech (see the test below): silence and hum only."""
        return {"digital silence": silence(3.0), "quiet hum": sine(3.0, 50.0, 0.003)}


@pytest.mark.anyio
async def test_white_noise_is_taken_for_speech():
    """The known limit that makes Silero the turn detector (Silero ignores this noise)."""
    vad = WebRTCVADAnalyzer(params=VADParams(min_volume=0.0))
    vad.set_sample_rate(16000)
    assert (await trace(vad, white_noise(2.0, 0.05), 16000)).turns()


@pytest.mark.parametrize(
    ("settings", "message"),
    [({"aggressiveness": 4}, "aggressiveness"), ({"frame_ms": 25}, "frame_ms"), ({"mode": 1}, "mode")],
)
@pytest.mark.rtvi_plugins
def test_bad_bot_file_values_are_named(settings: dict[str, Any], message: str):
    registration = PluginManager(allow=["silero"]).registry.get("vad", "webrtc")
    with pytest.raises(Exception, match=message):
        registration.create(settings)


@pytest.mark.parametrize("kwargs", [{"aggressiveness": 5}, {"frame_ms": 15}])
def test_bad_constructor_values(kwargs: dict[str, Any]):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        WebRTCVADAnalyzer(**kwargs)


def test_missing_webrtcvad_says_what_to_install(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(sys.modules, "webrtcvad", None)
    with pytest.raises(ImportError, match=r"pip install 'rtvi-silero\[webrtc\]'"):
        WebRTCVADAnalyzer()


@pytest.mark.rtvi_plugins
def test_rtvi_plugins_shows_what_to_install_for_webrtc(monkeypatch: pytest.MonkeyPatch):
    manager = PluginManager(allow=["silero"])  # through the real entry point
    silero = next(p for p in build_report(manager)["plugins"] if p["name"] == "silero")
    assert silero["registered"] == {"vad": ["silero", "webrtc"]} and silero["missing"] == {}
    monkeypatch.setitem(sys.modules, "webrtcvad", None)
    silero = next(p for p in build_report(manager)["plugins"] if p["name"] == "silero")
    assert silero["missing"] == {
        "vad": {
            "webrtc": (
                "the webrtc VAD needs the webrtcvad module: pip install 'rtvi-silero[webrtc]'  "
                "(or: pip install webrtcvad-wheels)"
            )
        }
    }
