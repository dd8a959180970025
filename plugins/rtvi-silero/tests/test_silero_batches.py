"""Silero windows of many streams run in batches on a worker thread (``batch = true``)."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import pytest
from rtvi_silero import SileroVADAnalyzer
from rtvi_silero.batcher import MAX_BATCH, batcher_for
from rtvi_silero.batcher import _workers as batcher_workers
from rtvi_silero.model import SileroModel, default_model_path, load_model
from test_silero_vad import RATE, utterance

from rtvi_core.testing.contracts.vad import trace
from rtvi_core.testing.speech import silence

pytestmark = pytest.mark.anyio

STREAMS = 12


class CountingModel:
    """Wraps the shared model to count the inferences the worker runs and their sizes."""

    def __init__(self, model: SileroModel, fail_after: int | None = None) -> None:
        self._model = model
        self.batch_sizes: list[int] = []
        self._fail_after = fail_after

    def run_batch(self, windows: list[Any], states: list[Any], sample_rate: int) -> Any:
        self.batch_sizes.append(len(windows))
        if self._fail_after is not None and len(self.batch_sizes) > self._fail_after:
            raise RuntimeError("inference failed")
        return self._model.run_batch(windows, states, sample_rate)


def counted(vad: SileroVADAnalyzer, counting: CountingModel) -> None:
    """Make ``vad``'s batcher send its batches through ``counting``."""
    vad.set_sample_rate(RATE)
    assert vad._stream is not None
    batcher = batcher_for(vad._stream.model, RATE)
    batcher._worker._model = counting  # type: ignore[assignment]


def probabilities(vad: SileroVADAnalyzer, pcm: bytes) -> list[float]:
    """The model's probability of every 32 ms window, run on the loop (the reference)."""
    vad.set_sample_rate(RATE)
    assert vad._stream is not None
    size = 2 * vad.num_frames_required()
    return [vad._stream.probability(pcm[i : i + size]) for i in range(0, len(pcm) - size + 1, size)]


async def batched_probabilities(vad: SileroVADAnalyzer, pcm: bytes) -> list[float]:
    vad.set_sample_rate(RATE)
    stream = vad._stream
    assert stream is not None
    batcher = batcher_for(stream.model, RATE)
    size = 2 * vad.num_frames_required()
    return [await stream.batched_probability(pcm[i : i + size], batcher) for i in range(0, len(pcm) - size + 1, size)]


@pytest.fixture
def restore_worker_model():
    """Put the real model back into the worker after a test swapped in a counting one."""
    model = load_model()
    yield
    worker = batcher_workers.get((id(model), RATE))
    if worker is not None:
        worker._model = model


async def test_concurrent_streams_get_the_probabilities_each_would_get_alone():
    pcm, _, _ = utterance()
    # Each stream hears the utterance shifted by a different lead, so the batch mixes
    # speech and silence windows and each stream's recurrent state differs.
    inputs = [silence(0.032 * i, RATE) + pcm for i in range(STREAMS)]
    alone = [probabilities(SileroVADAnalyzer(batch=False), x) for x in inputs]
    together = await asyncio.gather(*(batched_probabilities(SileroVADAnalyzer(), x) for x in inputs))
    for reference, batched in zip(alone, together, strict=True):
        assert batched == pytest.approx(reference, abs=1e-5)


async def test_concurrent_streams_share_batches_and_each_finds_its_turn(restore_worker_model):
    pcm, onset, offset = utterance()
    counting = CountingModel(load_model())
    analyzers = [SileroVADAnalyzer() for _ in range(STREAMS)]
    for vad in analyzers:
        counted(vad, counting)
    turns = await asyncio.gather(*(trace(vad, pcm, RATE) for vad in analyzers))
    for turn in turns:
        [(started, ended)] = turn.turns()
        assert ended is not None and started > onset and ended > offset
    windows = sum(counting.batch_sizes)
    assert windows == STREAMS * (len(pcm) // (2 * 512))
    assert max(counting.batch_sizes) <= MAX_BATCH
    # The streams' windows arrive together, so nearly every inference holds several.
    assert len(counting.batch_sizes) < windows / 4


async def test_batched_turns_match_turns_on_the_loop():
    pcm, _, _ = utterance()
    on_loop, batched = SileroVADAnalyzer(batch=False), SileroVADAnalyzer()
    on_loop.set_sample_rate(RATE)
    batched.set_sample_rate(RATE)
    assert (await trace(batched, pcm, RATE)).changes == (await trace(on_loop, pcm, RATE)).changes


async def test_a_failed_inference_reaches_its_streams_and_the_next_batches_run(restore_worker_model):
    counting = CountingModel(load_model(), fail_after=0)
    vad = SileroVADAnalyzer()
    counted(vad, counting)
    window = silence(0.032, RATE)
    with pytest.raises(RuntimeError, match="inference failed"):
        await vad.analyze_audio(window)
    counting._fail_after = None
    assert (await vad.analyze_audio(window)).name == "QUIET"


async def test_a_cancelled_stream_does_not_stop_the_others():
    pcm, _, _ = utterance()
    survivor = SileroVADAnalyzer()
    survivor.set_sample_rate(RATE)
    doomed = SileroVADAnalyzer()
    doomed.set_sample_rate(RATE)
    victim = asyncio.ensure_future(trace(doomed, pcm, RATE))
    await asyncio.sleep(0.01)
    victim.cancel()
    [(_, ended)] = (await trace(survivor, pcm, RATE)).turns()
    assert ended is not None
    with pytest.raises(asyncio.CancelledError):
        await victim


async def test_the_sequence_model_runs_one_window_at_a_time_on_the_worker():
    sequence = os.path.join(os.path.dirname(default_model_path()), "silero_vad_16k_sequence.onnx")
    pcm, _, _ = utterance()
    analyzers = [SileroVADAnalyzer(model_path=sequence) for _ in range(3)]
    for vad in analyzers:
        vad.set_sample_rate(RATE)
    turns = await asyncio.gather(*(trace(vad, pcm, RATE) for vad in analyzers))
    assert [len(turn.turns()) for turn in turns] == [1, 1, 1]


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
def test_each_event_loop_gets_its_own_batches(anyio_backend: str):
    pcm, _, _ = utterance(tail=1.0)
    for _ in range(2):  # the second loop must not wait on the first's (closed) batches
        vad = SileroVADAnalyzer()
        vad.set_sample_rate(RATE)
        assert len(asyncio.run(trace(vad, pcm, RATE)).turns()) == 1
