"""``VADContract``: the behaviour every ``VADAnalyzer`` must show, as a pytest suite.

A VAD plugin runs the whole suite against its own analyzer by subclassing it in its
tests and overriding the ``vad`` fixture, which must return a **fresh** analyzer
(no sample rate set: the suite calls ``set_sample_rate`` as a transport would; the
suite deep-copies it, unused, when it needs a second analyzer)::

    import pytest
    from rtvi_core.testing.contracts.vad import VADContract
    from rtvi_silero import SileroVADAnalyzer

    class TestSileroContract(VADContract):
        @pytest.fixture
        def vad(self):
            return SileroVADAnalyzer()

The tests use only the public ``VADAnalyzer`` API and real pipelines (the memory
transport with the analyzer as its ``vad_analyzer``, an RTVI client). They cover:
speech surrounded by silence → SPEAKING after the onset and QUIET after the offset
(within ``start_secs``/``stop_secs`` plus :attr:`VADContract.latency_secs`); inputs
that are not speech never reach SPEAKING; the same turns whatever the chunk size and
at other stream rates (resampled speech); two analyzers interleaved keep their own
state; lifecycle (``set_sample_rate``/``set_params``/``cleanup`` twice, reuse in a
second run, a cancelled run); the turn frames, the interruption and the RTVI
``user-started-speaking``/``user-stopped-speaking`` messages of a whole bot; bad input
(odd-length and empty chunks, a missing sample rate: an odd byte must not shift the
samples after it).

The speech defaults to the recorded clip ``weather-question``
(:func:`rtvi_core.testing.speech.load_speech`); override :meth:`VADContract.speech`
for an analyzer that needs another signal (the energy VAD's suite uses it as is) and
:meth:`VADContract.non_speech` for what it must ignore.
"""

from __future__ import annotations

import copy
import math
import random
from array import array
from typing import Any

import pytest

from ...audio import resample_once
from ...builtins.memory_transport import MemoryTransport
from ...frames import (
    InterruptionFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)
from ...params import PipelineParams
from ...pipeline import Pipeline
from ...services.transport_params import TransportParams
from ...services.vad import VADAnalyzer, VADParams, VADState
from ...task import PipelineTask
from ..recorder import FrameRecorder
from ..running import running
from ..speech import load_speech, silence

SPEAKING, QUIET = VADState.SPEAKING, VADState.QUIET

TURN_FRAMES = (
    VADUserStartedSpeakingFrame,
    UserStartedSpeakingFrame,
    InterruptionFrame,
    VADUserStoppedSpeakingFrame,
    UserStoppedSpeakingFrame,
)


def white_noise(seconds: float, rms: float, sample_rate: int = 16000, seed: int = 0) -> bytes:
    """Gaussian white noise with ``rms`` (0..1 of full scale) as PCM16."""
    rng = random.Random(seed)
    scale = rms * 32767
    return array(
        "h", (max(-32768, min(32767, int(rng.gauss(0.0, scale)))) for _ in range(int(seconds * sample_rate)))
    ).tobytes()


def sine(seconds: float, freq: float, amplitude: float, sample_rate: int = 16000) -> bytes:
    """A sine tone at ``amplitude`` (0..1 of full scale) as PCM16."""
    step = 2 * math.pi * freq / sample_rate
    peak = amplitude * 32767
    return array("h", (int(peak * math.sin(i * step)) for i in range(int(seconds * sample_rate)))).tobytes()


def speech_bounds(pcm: bytes, sample_rate: int, threshold: int = 300) -> tuple[float, float]:
    """Seconds of the first and last sample louder than ``threshold`` in ``pcm``."""
    samples = array("h", pcm)
    loud = [i for i, s in enumerate(samples) if abs(s) > threshold]
    if not loud:
        raise ValueError("the speech input has no sample above the threshold")
    return loud[0] / sample_rate, loud[-1] / sample_rate


class Turn:
    """The states an analyzer went through on one input, with the time of each change."""

    def __init__(self, changes: list[tuple[float, VADState]]) -> None:
        self.changes = changes

    def turns(self) -> list[tuple[float, float | None]]:
        """(start, end) of each turn as a transport sees it: from SPEAKING to the next QUIET.

        STOPPING → SPEAKING stays inside a turn; ``end`` is None for an unfinished turn.
        """
        turns: list[tuple[float, float | None]] = []
        for time, state in self.changes:
            if state is SPEAKING and (not turns or turns[-1][1] is not None):
                turns.append((time, None))
            elif state is QUIET and turns and turns[-1][1] is None:
                turns[-1] = (turns[-1][0], time)
        return turns

    def __repr__(self) -> str:
        return "Turn(" + ", ".join(f"{t:.3f}s {s.name}" for t, s in self.changes) + ")"


async def trace(vad: VADAnalyzer, pcm: bytes, sample_rate: int, chunk_samples: int = 320) -> Turn:
    """Feed ``pcm`` in chunks; each state change is timed at the end of its chunk."""
    size = 2 * chunk_samples
    changes: list[tuple[float, VADState]] = []
    last: VADState | None = None
    for offset in range(0, len(pcm), size):
        state = await vad.analyze_audio(pcm[offset : offset + size])
        if state is not last:
            changes.append((min(offset + size, len(pcm)) / (2 * sample_rate), state))
            last = state
    return Turn(changes)


class VADContract:
    """The VAD contract suite; subclass it and override the ``vad`` fixture."""

    #: The stream rate of most tests.
    sample_rate: int = 16000
    #: Other stream rates the analyzer must handle (the speech is resampled to them).
    other_sample_rates: tuple[int, ...] = (8000, 48000)
    #: Silence before the speech, and after it (on top of ``stop_secs``).
    lead_secs: float = 0.6
    tail_secs: float = 0.6
    #: How late SPEAKING may come after onset + ``start_secs`` and QUIET after
    #: offset + ``stop_secs`` (window length, smoothing, the model's own delay).
    latency_secs: float = 0.3
    #: How early they may come (a model may call the word's fading tail silence).
    early_secs: float = 0.3
    #: Chunk sizes (samples at ``sample_rate``) that must give the same turn.
    chunk_sizes: tuple[int, ...] = (160, 333, 512, 1999)
    #: Thresholds the suite runs with.
    params: VADParams = VADParams(start_secs=0.2, stop_secs=0.8)

    @pytest.fixture
    def vad(self) -> VADAnalyzer:
        """A fresh analyzer without a sample rate; subclasses must override this fixture."""
        raise NotImplementedError("override the `vad` fixture to return a fresh VADAnalyzer")

    # -- inputs (override for another analyzer) ------------------------------------------

    def speech(self) -> bytes:
        """One utterance at :attr:`sample_rate` that the analyzer must call speech."""
        clip = load_speech()
        return resample_once(clip.pcm, clip.sample_rate, self.sample_rate)

    def non_speech(self) -> dict[str, bytes]:
        """Named inputs at :attr:`sample_rate` that must never reach SPEAKING."""
        rate = self.sample_rate
        return {
            "digital silence": silence(3.0, rate),
            "quiet white noise": white_noise(3.0, 0.002, rate),
            "quiet hum": sine(3.0, 50.0, 0.003, rate),
        }

    # -- helpers --------------------------------------------------------------------------

    def utterance(self, sample_rate: int | None = None) -> tuple[bytes, float, float]:
        """Silence + :meth:`speech` + silence at ``sample_rate``, and the speech's bounds in it."""
        rate = sample_rate or self.sample_rate
        speech = self.speech()
        if rate != self.sample_rate:
            speech = resample_once(speech, self.sample_rate, rate)
        onset, offset = speech_bounds(speech, rate)
        pcm = silence(self.lead_secs, rate) + speech + silence(self.params.stop_secs + self.tail_secs, rate)
        return pcm, self.lead_secs + onset, self.lead_secs + offset

    def prepared(self, vad: VADAnalyzer, sample_rate: int | None = None) -> VADAnalyzer:
        """``vad`` with the suite's thresholds at ``sample_rate``, as a transport would start it."""
        vad.set_params(self.params)
        vad.set_sample_rate(sample_rate or self.sample_rate)
        return vad

    def assert_one_turn(self, turn: Turn, onset: float, offset: float) -> None:
        """One turn, starting ``start_secs`` after ``onset`` and ending ``stop_secs`` after
        ``offset``, give or take :attr:`early_secs`/:attr:`latency_secs`."""
        turns = turn.turns()
        assert len(turns) == 1, f"expected one turn, got {turn}"
        started, ended = turns[0]
        assert ended is not None, f"the turn did not end: {turn}"
        start_secs, stop_secs = self.params.start_secs, self.params.stop_secs
        assert onset + start_secs - self.early_secs <= started <= onset + start_secs + self.latency_secs, (
            f"SPEAKING at {started:.3f}s for speech starting at {onset:.3f}s: {turn}"
        )
        assert offset + stop_secs - self.early_secs <= ended <= offset + stop_secs + self.latency_secs, (
            f"QUIET at {ended:.3f}s for speech ending at {offset:.3f}s: {turn}"
        )

    async def run_bot_turn(
        self, vad: VADAnalyzer, *, enable_rtvi: bool = True
    ) -> tuple[MemoryTransport, FrameRecorder]:
        """Stream the utterance through a memory transport with ``vad``, in 20 ms frames."""
        vad.set_params(self.params)
        transport = MemoryTransport(
            params=TransportParams(audio_in_enabled=True, audio_in_sample_rate=self.sample_rate, vad_analyzer=vad)
        )
        after = FrameRecorder(types=TURN_FRAMES)
        task = PipelineTask(
            Pipeline([transport.input(), after, transport.output()]),
            params=PipelineParams(allow_interruptions=True, send_initial_empty_metrics=False),
            enable_rtvi=enable_rtvi,
        )
        pcm, _, _ = self.utterance()
        frame = 2 * self.sample_rate // 50
        async with running(task):
            if enable_rtvi:
                await transport.client.connect()
            for i in range(0, len(pcm), frame):
                await transport.client.send_audio(pcm[i : i + frame], sample_rate=self.sample_rate)
            await after.wait_for(lambda: after.of(UserStoppedSpeakingFrame), timeout=10.0)
        return transport, after

    # -- normal output ----------------------------------------------------------------------

    @pytest.mark.anyio
    async def test_speech_gives_one_turn_at_the_right_times(self, vad: VADAnalyzer) -> None:
        pcm, onset, offset = self.utterance()
        turn = await trace(self.prepared(vad), pcm, self.sample_rate)
        self.assert_one_turn(turn, onset, offset)

    @pytest.mark.anyio
    async def test_non_speech_never_reaches_speaking(self, vad: VADAnalyzer) -> None:
        vad = self.prepared(vad)
        for name, pcm in self.non_speech().items():
            turn = await trace(vad, pcm, self.sample_rate)
            assert not turn.turns(), f"{name} was taken for speech: {turn}"

    @pytest.mark.anyio
    async def test_turn_does_not_depend_on_chunk_size(self, vad: VADAnalyzer) -> None:
        pcm, onset, offset = self.utterance()
        vad = self.prepared(vad)
        for samples in self.chunk_sizes:
            vad.set_params(self.params)  # back to QUIET, as at the start of a stream
            turn = await trace(vad, pcm, self.sample_rate, chunk_samples=samples)
            self.assert_one_turn(turn, onset, offset)

    @pytest.mark.anyio
    async def test_other_stream_rates(self, vad: VADAnalyzer) -> None:
        for rate in self.other_sample_rates:
            pcm, onset, offset = self.utterance(rate)
            turn = await trace(self.prepared(vad, rate), pcm, rate, chunk_samples=rate // 50)
            self.assert_one_turn(turn, onset, offset)

    @pytest.mark.anyio
    async def test_interleaved_analyzers_keep_their_own_state(self, vad: VADAnalyzer) -> None:
        pcm, onset, offset = self.utterance()
        listener = self.prepared(copy.deepcopy(vad))
        speaker = self.prepared(vad)
        quiet = silence(len(pcm) / (2 * self.sample_rate), self.sample_rate)
        size = 2 * 320
        changes: list[tuple[float, VADState]] = []
        for i in range(0, len(pcm), size):
            state = await speaker.analyze_audio(pcm[i : i + size])
            assert await listener.analyze_audio(quiet[i : i + size]) is QUIET
            if not changes or changes[-1][1] is not state:
                changes.append((min(i + size, len(pcm)) / (2 * self.sample_rate), state))
        self.assert_one_turn(Turn(changes), onset, offset)

    # -- lifecycle -------------------------------------------------------------------------

    @pytest.mark.anyio
    async def test_lifecycle_calls_twice_and_reuse(self, vad: VADAnalyzer) -> None:
        pcm, onset, offset = self.utterance()
        vad = self.prepared(vad)
        vad.set_sample_rate(self.sample_rate)
        await vad.cleanup()
        await vad.cleanup()
        self.prepared(vad)
        self.assert_one_turn(await trace(vad, pcm, self.sample_rate), onset, offset)
        await vad.cleanup()
        self.prepared(vad)  # a second session with the same analyzer
        self.assert_one_turn(await trace(vad, pcm, self.sample_rate), onset, offset)

    @pytest.mark.anyio
    async def test_set_params_mid_speech_goes_back_to_quiet(self, vad: VADAnalyzer) -> None:
        pcm, onset, _ = self.utterance()
        vad = self.prepared(vad)
        cut = 2 * int((onset + self.params.start_secs + self.latency_secs) * self.sample_rate)
        assert vad.state is QUIET
        assert (await trace(vad, pcm[:cut], self.sample_rate)).turns(), "no speech yet"
        vad.set_params(self.params)
        assert vad.state is QUIET and vad.params == self.params

    @pytest.mark.anyio
    async def test_reused_across_runs_and_cancelled_runs(self, vad: VADAnalyzer) -> None:
        for _ in range(2):  # each run cancels its task at the end (cleanup → reuse)
            _, after = await self.run_bot_turn(vad, enable_rtvi=False)
            assert [type(f) for f in after.frames][:2] == list(TURN_FRAMES[:2])

    # -- in a bot ----------------------------------------------------------------------------

    @pytest.mark.anyio
    async def test_bot_turn_frames_interruption_and_rtvi_messages(self, vad: VADAnalyzer) -> None:
        transport, after = await self.run_bot_turn(vad)
        assert [type(f) for f in after.frames] == list(TURN_FRAMES)
        types = [m["type"] for m in transport.client.messages]
        assert types.count("user-started-speaking") == 1
        assert types.count("user-stopped-speaking") == 1
        assert types.index("user-started-speaking") < types.index("user-stopped-speaking")

    # -- bad input ----------------------------------------------------------------------------

    @pytest.mark.anyio
    async def test_empty_and_odd_length_chunks_do_not_crash(self, vad: VADAnalyzer) -> None:
        vad = self.prepared(vad)
        assert await vad.analyze_audio(b"") is QUIET
        quiet = silence(1.0, self.sample_rate)
        for size in (1, 3, 333, 641):
            assert await vad.analyze_audio(quiet[:size]) is QUIET
        assert await vad.analyze_audio(b"") is QUIET

    @pytest.mark.anyio
    async def test_an_odd_length_chunk_does_not_shift_later_samples(self, vad: VADAnalyzer) -> None:
        pcm, onset, offset = self.utterance()
        vad = self.prepared(vad)
        assert await vad.analyze_audio(b"\x01") is QUIET  # half a sample: a broken frame
        self.assert_one_turn(await trace(vad, pcm, self.sample_rate), onset, offset)
        for name, quiet in self.non_speech().items():
            assert not (await trace(vad, quiet, self.sample_rate)).turns(), f"{name} after an odd byte"

    @pytest.mark.anyio
    async def test_analyze_before_a_sample_rate_is_a_clear_error_or_works(self, vad: VADAnalyzer) -> None:
        try:
            state: Any = await vad.analyze_audio(silence(0.1, self.sample_rate))
        except RuntimeError as exc:
            assert "sample rate" in str(exc)
        else:
            assert state is QUIET
