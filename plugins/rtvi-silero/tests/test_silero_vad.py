"""SileroVADAnalyzer on the real model and recorded speech: timing, rejection, rates, config."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from typing import Any

import pytest
from rtvi_silero import SileroModelError, SileroVADAnalyzer
from rtvi_silero.model import default_model_path, load_model

from rtvi_core.audio import resample_once
from rtvi_core.builtins import MemoryTransport
from rtvi_core.frames import Frame, InputAudioRawFrame, TranscriptionFrame, UserStoppedSpeakingFrame
from rtvi_core.params import PipelineParams
from rtvi_core.pipeline import Pipeline
from rtvi_core.plugins import PluginManager
from rtvi_core.services import TransportParams, VADParams
from rtvi_core.services.stt import SegmentedSTTService
from rtvi_core.task import PipelineTask
from rtvi_core.testing import FrameRecorder, running
from rtvi_core.testing.contracts.vad import sine, speech_bounds, trace, white_noise
from rtvi_core.testing.speech import load_speech, silence

RATE = 16000
LEAD = 1.0


def utterance(rate: int = RATE, tail: float = 1.5) -> tuple[bytes, float, float]:
    """1 s silence + the weather question + ``tail`` s silence, and the speech bounds in it."""
    clip = load_speech()
    speech = resample_once(clip.pcm, clip.sample_rate, rate)
    onset, offset = speech_bounds(speech, rate)
    return silence(LEAD, rate) + speech + silence(tail, rate), LEAD + onset, LEAD + offset


@pytest.mark.anyio
async def test_turn_starts_start_secs_after_onset_and_ends_stop_secs_after_offset():
    pcm, onset, offset = utterance()
    vad = SileroVADAnalyzer()
    vad.set_sample_rate(RATE)
    [(started, ended)] = (await trace(vad, pcm, RATE)).turns()
    assert ended is not None
    # Measured: +0.203 s and +0.89 s (start_secs 0.2, stop_secs 0.8, 32 ms windows).
    assert 0.2 - 0.05 <= started - onset <= 0.2 + 0.15
    assert 0.8 - 0.05 <= ended - offset <= 0.8 + 0.2


@pytest.mark.anyio
@pytest.mark.parametrize(
    "name",
    ["silence", "white noise -26 dBFS", "white noise -10 dBFS", "440 Hz tone", "1 kHz tone", "50 Hz hum"],
)
async def test_noise_and_tones_are_never_speech(name: str):
    pcm = {
        "silence": silence(3.0),
        "white noise -26 dBFS": white_noise(3.0, 0.05),
        "white noise -10 dBFS": white_noise(3.0, 0.3),
        "440 Hz tone": sine(3.0, 440.0, 0.5),
        "1 kHz tone": sine(3.0, 1000.0, 0.9),
        "50 Hz hum": sine(3.0, 50.0, 0.5),
    }[name]
    vad = SileroVADAnalyzer(params=VADParams(confidence=0.5, start_secs=0.05, min_volume=0.0))
    vad.set_sample_rate(RATE)
    assert (await trace(vad, pcm, RATE)).turns() == []


@pytest.mark.anyio
@pytest.mark.parametrize("model_rate", [8000, None])
async def test_8khz_stream(model_rate: int | None):
    pcm, onset, offset = utterance(8000)
    vad = SileroVADAnalyzer(sample_rate=model_rate)
    vad.set_sample_rate(8000)
    assert vad.num_frames_required() == 256
    [(started, ended)] = (await trace(vad, pcm, 8000, chunk_samples=160)).turns()
    assert 0.15 <= started - onset <= 0.35 and ended is not None and 0.75 <= ended - offset <= 1.0


@pytest.mark.anyio
async def test_configured_rate_runs_without_a_transport():
    vad = SileroVADAnalyzer(sample_rate=8000)
    pcm, _, _ = utterance(8000)
    assert len((await trace(vad, pcm, 8000)).turns()) == 1
    assert vad.sample_rate == 8000


@pytest.mark.anyio
async def test_two_utterances_in_one_stream_give_two_alike_turns():
    pcm, _onset, _ = utterance(tail=1.5)
    second = len(pcm) / (2 * RATE)
    vad = SileroVADAnalyzer(reset_after_secs=0.5)
    vad.set_sample_rate(RATE)
    turns = (await trace(vad, pcm + pcm, RATE)).turns()
    assert len(turns) == 2
    (start1, end1), (start2, end2) = turns
    assert abs((start2 - second) - start1) <= 0.033 and end1 is not None and end2 is not None
    assert abs((end2 - second) - end1) <= 0.033


@pytest.mark.anyio
async def test_stop_confidence_keeps_soft_sounds_inside_the_turn():
    clip = load_speech("interrupt")  # "Stop, wait ...": the model's probability fades after "Stop"
    pcm = silence(0.5) + clip.pcm + silence(1.0)
    ends = []
    for stop_confidence in (0.7, 0.1):
        vad = SileroVADAnalyzer(stop_confidence=stop_confidence, params=VADParams(stop_secs=0.15, min_volume=0))
        vad.set_sample_rate(RATE)
        turns = (await trace(vad, pcm, RATE)).turns()
        ends.append(turns[0][1])
    assert ends[1] > ends[0]  # measured: 1.16 s and 1.10 s


def test_stop_confidence_defaults_below_confidence():
    vad = SileroVADAnalyzer(params=VADParams(confidence=0.6))
    assert vad.stop_confidence == pytest.approx(0.45)
    assert SileroVADAnalyzer(stop_confidence=0.2).stop_confidence == 0.2


def test_one_model_per_process_shared_by_analyzers():
    assert load_model() is load_model(default_model_path())
    first, second = SileroVADAnalyzer(), SileroVADAnalyzer()
    first.set_sample_rate(RATE)
    second.set_sample_rate(8000)
    assert first.model_path == second.model_path


@pytest.mark.anyio
async def test_sequence_model_interface_16k_only():
    sequence = os.path.join(os.path.dirname(default_model_path()), "silero_vad_16k_sequence.onnx")
    pcm, _, _ = utterance(8000)
    vad = SileroVADAnalyzer(model_path=sequence)
    vad.set_sample_rate(8000)  # resampled to the model's 16 kHz
    assert len((await trace(vad, pcm, 8000)).turns()) == 1
    mismatched = SileroVADAnalyzer(model_path=sequence, sample_rate=8000)
    mismatched.set_sample_rate(8000)
    assert "takes 16000 Hz audio, not 8000 Hz" in str(mismatched.load_error)


# -- bad configuration, missing packages ---------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"sample_rate": 22050}, "sample_rate"),
        ({"confidence": 1.5}, "confidence"),
        ({"stop_confidence": 0.9}, "stop_confidence (0.9) must not exceed confidence (0.7)"),
        ({"model_path": "/nonexistent/vad.onnx"}, "model_path '/nonexistent/vad.onnx' is not a file"),
        ({"reset_after_secs": 0}, "reset_after_secs"),
        ({"threshold": 0.5}, "threshold"),
    ],
)
@pytest.mark.rtvi_plugins
def test_bad_bot_file_values_are_named(settings: dict[str, Any], message: str):
    registration = PluginManager(allow=["silero"]).registry.get("vad", "silero")
    with pytest.raises(Exception, match=message.replace("(", r"\(").replace(")", r"\)")):
        registration.create(settings)


@pytest.mark.rtvi_plugins
def test_registered_through_the_entry_point():
    manager = PluginManager(allow=["silero"])
    assert manager.failures == []
    vad = manager.registry.get("vad", "silero").create({"confidence": 0.6, "stop_secs": 0.5})
    assert isinstance(vad, SileroVADAnalyzer)
    assert vad.params == VADParams(confidence=0.6, stop_secs=0.5, min_volume=0.0)


@pytest.mark.parametrize("kwargs", [{"sample_rate": 44100}, {"stop_confidence": -0.1}, {"reset_after_secs": -1.0}])
def test_bad_constructor_values(kwargs: dict[str, Any]):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        SileroVADAnalyzer(**kwargs)


def test_missing_model_says_what_to_install(monkeypatch: pytest.MonkeyPatch):
    SileroVADAnalyzer.check_installed()  # for `rtvi plugins`: nothing missing
    monkeypatch.setitem(sys.modules, "silero_vad", None)  # find_spec() → None
    monkeypatch.setitem(sys.modules, "faster_whisper", None)
    with pytest.raises(SileroModelError, match="pip install --no-deps silero-vad"):
        SileroVADAnalyzer()
    with pytest.raises(SileroModelError, match="pip install --no-deps silero-vad"):
        SileroVADAnalyzer.check_installed()


def test_missing_runtime_says_what_to_install(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(SileroModelError, match="onnxruntime: pip install onnxruntime numpy"):
        SileroVADAnalyzer()


@pytest.mark.anyio
async def test_a_file_that_is_not_a_model_is_logged_and_the_bot_runs_on(
    tmp_path: Any, caplog: pytest.LogCaptureFixture
):
    path = tmp_path / "vad.onnx"
    path.write_bytes(b"not a model")
    vad = SileroVADAnalyzer(model_path=str(path))
    transport = MemoryTransport(params=TransportParams(audio_in_enabled=True, vad_analyzer=vad))
    audio = FrameRecorder(types=(InputAudioRawFrame,))
    task = PipelineTask(
        Pipeline([transport.input(), audio, transport.output()]),
        params=PipelineParams(audio_in_sample_rate=RATE),
    )
    pcm, _, _ = utterance()
    async with running(task):
        await transport.client.connect()
        for i in range(0, len(pcm), 640):
            await transport.client.send_audio(pcm[i : i + 640], sample_rate=RATE)
        await audio.wait_for(lambda: len(audio.frames) >= len(pcm) // 640 - 1)
    assert "cannot load the Silero VAD model" in str(vad.load_error)
    assert [r.name for r in caplog.records if "cannot load" in r.getMessage()] == ["rtvi.silero"]
    assert "user-started-speaking" not in [m["type"] for m in transport.client.messages]


def test_importing_the_plugin_loads_no_numpy_or_onnxruntime():
    code = "import sys, rtvi_silero.plugin; print(sorted({'numpy', 'onnxruntime'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- in a pipeline: pre-roll ---------------------------------------------------------------


class SegmentRecorder(SegmentedSTTService):
    """Test double: keeps each segment it is given and 'transcribes' it as its length."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.segments: list[bytes] = []

    async def run_stt(self, audio: bytes) -> AsyncIterator[Frame]:
        self.segments.append(audio)
        yield TranscriptionFrame(text=f"{len(audio)} bytes")


@pytest.mark.anyio
async def test_pre_roll_keeps_the_speech_onset_in_the_stt_segment():
    """Pre-roll lives in ``SegmentedSTTService`` (``pre_roll_secs=0.5``): the segment it
    transcribes starts before the onset even though Silero reports speech 0.2 s late."""
    clip = load_speech()
    pcm = silence(LEAD) + clip.pcm + silence(1.2)
    onset = int(speech_bounds(clip.pcm, RATE)[0] * RATE) * 2
    transport = MemoryTransport(params=TransportParams(audio_in_enabled=True, vad_analyzer=SileroVADAnalyzer()))
    stt = SegmentRecorder()
    after = FrameRecorder(types=(TranscriptionFrame, UserStoppedSpeakingFrame))
    task = PipelineTask(
        Pipeline([transport.input(), stt, after, transport.output()]),
        params=PipelineParams(audio_in_sample_rate=RATE),
        enable_rtvi=False,
    )
    async with running(task):
        frame = RATE // 50 * 2
        for i in range(0, len(pcm), frame):
            await transport.client.send_audio(pcm[i : i + frame], sample_rate=RATE)
        await after.wait_for(lambda: after.of(TranscriptionFrame), timeout=10.0)
    [segment] = stt.segments
    speech_at = segment.find(clip.pcm[onset : onset + 3200])
    # The segment starts before the onset (0.5 s pre-roll; Silero confirms speech 0.2-0.4 s late).
    assert speech_at > 0, "the speech onset was clipped"
    assert segment.find(clip.pcm[-3200:]) > speech_at, "the end of the speech is missing"
