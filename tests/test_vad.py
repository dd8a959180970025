"""VADAnalyzer state machine (EnergyVADAnalyzer) and VAD turn-taking in the input transport."""

from __future__ import annotations

import math
from array import array
from typing import Any

import pytest

from rtvi_core.builtins import EnergyVADAnalyzer, MemoryTransport
from rtvi_core.frames import InputAudioRawFrame, UserStoppedSpeakingFrame
from rtvi_core.params import PipelineParams
from rtvi_core.pipeline import Pipeline
from rtvi_core.services import TransportParams, VADParams, VADState
from rtvi_core.task import PipelineTask
from rtvi_core.testing import FrameRecorder, running
from rtvi_core.testing.contracts.vad import TURN_FRAMES

RATE = 16000
FRAME = RATE // 50  # 20 ms


def tone(secs: float, amplitude: int = 8000, freq: float = 440.0) -> bytes:
    n = int(RATE * secs)
    step = 2 * math.pi * freq / RATE
    return array("h", (int(amplitude * math.sin(i * step)) for i in range(n))).tobytes()


def silence(secs: float) -> bytes:
    return bytes(2 * int(RATE * secs))


def burst() -> bytes:
    """0.5 s silence, 0.6 s tone, 1.2 s silence."""
    return silence(0.5) + tone(0.6) + silence(1.2)


def pieces(pcm: bytes, samples: int) -> list[bytes]:
    size = samples * 2
    return [pcm[i : i + size] for i in range(0, len(pcm), size)]


async def states(vad: EnergyVADAnalyzer, pcm: bytes, samples: int = FRAME) -> list[VADState]:
    return [await vad.analyze_audio(piece) for piece in pieces(pcm, samples)]


def collapse(seq: list[VADState]) -> list[VADState]:
    return [s for i, s in enumerate(seq) if i == 0 or seq[i - 1] is not s]


Q, ST, SP, SO = VADState.QUIET, VADState.STARTING, VADState.SPEAKING, VADState.STOPPING


@pytest.mark.anyio
async def test_energy_vad_walks_the_state_machine_on_a_tone_burst():
    vad = EnergyVADAnalyzer(sample_rate=RATE)
    vad.set_sample_rate(48000)  # the constructor's rate wins
    assert vad.sample_rate == RATE and vad.num_frames_required() == FRAME
    seq = await states(vad, burst())
    assert collapse(seq) == [Q, ST, SP, SO, Q]
    tone_start = 25  # 0.5 s of 20 ms frames
    speaking_at = seq.index(SP)
    # start_secs (0.2 s = 10 windows) after the volume has risen past min_volume.
    assert tone_start + 10 <= speaking_at <= tone_start + 16
    first_quiet_after = len(seq) - seq[::-1].index(SO)
    tone_end = tone_start + 30
    assert first_quiet_after - tone_end + 1 == 40  # the 40th silent window (0.8 s) is QUIET


@pytest.mark.anyio
async def test_energy_vad_result_does_not_depend_on_frame_size():
    by_20ms = await states(EnergyVADAnalyzer(sample_rate=RATE), burst())
    by_30ms = await states(EnergyVADAnalyzer(sample_rate=RATE), burst(), samples=480)
    assert collapse(by_20ms) == collapse(by_30ms) == [Q, ST, SP, SO, Q]


@pytest.mark.anyio
async def test_energy_vad_ignores_quiet_sound_and_short_clicks():
    vad = EnergyVADAnalyzer(sample_rate=RATE)
    assert set(await states(vad, tone(1.0, amplitude=30))) == {Q}
    clicks = (silence(0.3) + tone(0.12)) * 4 + silence(0.3)
    assert SP not in await states(vad, clicks)


@pytest.mark.anyio
async def test_every_window_reaches_voice_confidence_even_below_min_volume():
    """A stateful model (Silero) must see the whole stream, quiet windows included."""
    seen: list[int] = []

    class Counting(EnergyVADAnalyzer):
        def voice_confidence(self, buffer: bytes) -> float:
            seen.append(len(buffer))
            return super().voice_confidence(buffer)

    vad = Counting(sample_rate=RATE, params=VADParams(min_volume=0.5))
    quiet = silence(1.0)  # every window is below min_volume
    assert collapse(await states(vad, quiet)) == [Q]
    assert len(seen) == len(quiet) // (2 * FRAME)


@pytest.mark.anyio
async def test_vad_params_change_timing_and_reset_state():
    vad = EnergyVADAnalyzer(sample_rate=RATE, params=VADParams(start_secs=0.04, stop_secs=0.1))
    seq = await states(vad, burst())
    assert collapse(seq) == [Q, ST, SP, SO, Q]
    assert seq.index(SP) < 25 + 10
    vad.set_params(VADParams())
    assert vad.state is Q


async def run_turn(allow_interruptions: bool, enable_rtvi: bool = False) -> tuple[Any, FrameRecorder]:
    transport = MemoryTransport(params=TransportParams(audio_in_enabled=True, vad_analyzer=EnergyVADAnalyzer()))
    after = FrameRecorder()
    task = PipelineTask(
        Pipeline([transport.input(), after, transport.output()]),
        params=PipelineParams(allow_interruptions=allow_interruptions, send_initial_empty_metrics=False),
        enable_rtvi=enable_rtvi,
    )

    async with running(task):
        for piece in pieces(burst(), FRAME):
            await transport.client.send_audio(piece, sample_rate=RATE)
        await after.wait_for(lambda: after.of(UserStoppedSpeakingFrame))
    return transport, after


@pytest.mark.anyio
async def test_input_transport_turn_frames_start_before_interruption():
    _, after = await run_turn(allow_interruptions=True)
    names = [type(f).__name__ for f in after.frames if isinstance(f, TURN_FRAMES)]
    assert names == [
        "VADUserStartedSpeakingFrame",
        "UserStartedSpeakingFrame",
        "InterruptionFrame",
        "VADUserStoppedSpeakingFrame",
        "UserStoppedSpeakingFrame",
    ]
    audio_frames = sum(isinstance(f, InputAudioRawFrame) for f in after.frames)
    assert audio_frames == len(pieces(burst(), FRAME))


@pytest.mark.anyio
async def test_no_interruption_when_the_run_disallows_it():
    _, after = await run_turn(allow_interruptions=False)
    names = [type(f).__name__ for f in after.frames if isinstance(f, TURN_FRAMES)]
    assert "InterruptionFrame" not in names
    assert names[:2] == ["VADUserStartedSpeakingFrame", "UserStartedSpeakingFrame"]


@pytest.mark.anyio
async def test_rtvi_client_hears_user_started_speaking_before_bot_interrupted():
    transport, _ = await run_turn(allow_interruptions=True, enable_rtvi=True)
    types = [m["type"] for m in transport.client.messages]
    assert "user-started-speaking" in types and "bot-interrupted" in types
    assert types.index("user-started-speaking") < types.index("bot-interrupted")


@pytest.mark.parametrize("samples", [[], [0] * 512, [1], [-32768, 32767, 12, -5] * 128])
def test_the_level_is_the_same_with_and_without_numpy(samples: list[int], monkeypatch: pytest.MonkeyPatch):
    import sys

    import numpy

    from rtvi_core.services.vad import rms_dbfs

    window = memoryview(array("h", samples)).cast("B").cast("h")
    monkeypatch.setitem(sys.modules, "numpy", numpy)
    with_numpy = rms_dbfs(window)
    monkeypatch.delitem(sys.modules, "numpy")
    assert rms_dbfs(window) == pytest.approx(with_numpy, abs=1e-9)
    if samples == [-32768, 32767, 12, -5] * 128:
        assert with_numpy == pytest.approx(20 * math.log10(math.sqrt((32768**2 + 32767**2 + 144 + 25) / 4) / 32768))
