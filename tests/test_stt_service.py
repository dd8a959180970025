"""Tests for the STTService and SegmentedSTTService bases (through test-double subclasses)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest
from support import bare_task, run_to_end

from rtvi_core.frames import (
    EndFrame,
    Frame,
    InputAudioRawFrame,
    InterimTranscriptionFrame,
    MetricsFrame,
    STTMuteFrame,
    TranscriptionFrame,
    UserAudioRawFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)
from rtvi_core.metrics import ProcessingMetricsData, STTUsageMetricsData, TTFBMetricsData
from rtvi_core.services.stt import SegmentedSTTService, STTService
from rtvi_core.task import PipelineTask
from rtvi_core.testing import FrameRecorder, running

pytestmark = pytest.mark.anyio

RATE = 16000
CHUNK = 2 * RATE // 50  # 20 ms of PCM16 mono
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$")


def chunk(index: int) -> bytes:
    """20 ms of audio whose samples all hold ``index`` (identifies the chunk)."""
    return bytes([index, 0]) * (CHUNK // 2)


def audio_frame(index: int) -> InputAudioRawFrame:
    return InputAudioRawFrame(audio=chunk(index), sample_rate=RATE, num_channels=1)


class CountingSTT(STTService):
    """Streaming test double: an interim per chunk, a final on every 3rd chunk.

    ``gate``: when set, transcription waits for it (proves audio is not blocked).
    """

    def __init__(self, gate: anyio.Event | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.gate = gate
        self.chunks: list[bytes] = []

    async def run_stt(self, audio: bytes) -> AsyncIterator[Frame]:
        if self.gate is not None:
            await self.gate.wait()
        self.chunks.append(audio)
        yield InterimTranscriptionFrame(text=f"chunk {audio[0]}")
        if len(self.chunks) % 3 == 0:
            yield TranscriptionFrame(text=f"final {len(self.chunks)}")


class SegmentSTT(SegmentedSTTService):
    """Segmented test double: transcribes a segment as its chunk indexes."""

    def __init__(self, delay: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.delay = delay
        self.segments: list[bytes] = []

    async def run_stt(self, audio: bytes) -> AsyncIterator[Frame]:
        await anyio.sleep(self.delay)
        self.segments.append(audio)
        indexes = [audio[i] for i in range(0, len(audio), CHUNK)]
        yield TranscriptionFrame(text=" ".join(map(str, indexes)))


def make_task(stt: STTService, recorder: FrameRecorder, **params: Any) -> PipelineTask:
    return bare_task([stt, recorder], audio_in_sample_rate=RATE, **params)


async def test_streaming_stt_never_blocks_audio_and_stamps_transcriptions():
    gate = anyio.Event()
    stt = CountingSTT(gate=gate)
    recorder = FrameRecorder()
    task = make_task(stt, recorder)
    async with running(task):
        for i in range(3):
            await task.queue_frame(UserAudioRawFrame(audio=chunk(i), sample_rate=RATE, num_channels=1, user_id="alice"))
        # All audio passed on while transcription is still blocked.
        assert len(recorder.of(InputAudioRawFrame)) == 3
        assert stt.chunks == []
        gate.set()
        await recorder.wait_for(lambda: recorder.of(TranscriptionFrame))
    assert [c[0] for c in stt.chunks] == [0, 1, 2]
    interims = recorder.of(InterimTranscriptionFrame)
    assert [f.text for f in interims] == ["chunk 0", "chunk 1", "chunk 2"]
    (final,) = recorder.of(TranscriptionFrame)
    assert final.text == "final 3"
    for frame in [*interims, final]:
        assert frame.user_id == "alice"
        assert ISO_MS.match(frame.timestamp), frame.timestamp


async def test_mute_stops_transcription_but_not_audio():
    stt = CountingSTT()
    recorder = FrameRecorder()
    task = make_task(stt, recorder)
    audio = [audio_frame(i) for i in range(4)]
    mute, unmute = STTMuteFrame(mute=True), STTMuteFrame(mute=False)
    await run_to_end(task, [audio[0], mute, audio[1], audio[2], unmute, audio[3]])
    assert [c[0] for c in stt.chunks] == [0, 3]
    assert recorder.of(InputAudioRawFrame) == audio
    assert len(recorder.of(STTMuteFrame)) == 2


def speech(pre: int, spoken: int) -> list[Frame]:
    """``pre`` chunks of audio, VAD start, ``spoken`` chunks, VAD stop (indexes count on)."""
    frames: list[Frame] = [audio_frame(i) for i in range(pre)]
    frames.append(VADUserStartedSpeakingFrame())
    frames += [audio_frame(i) for i in range(pre, pre + spoken)]
    frames.append(VADUserStoppedSpeakingFrame())
    return frames


async def test_segmented_stt_transcribes_pre_roll_and_segment_on_vad_stop():
    stt = SegmentSTT()
    recorder = FrameRecorder()
    task = make_task(
        stt,
        recorder,
        enable_metrics=True,
        enable_usage_metrics=True,
        send_initial_empty_metrics=False,
    )
    await run_to_end(task, speech(pre=35, spoken=5))
    # 500 ms of pre-roll = the last 25 chunks before the VAD start, then the speech.
    assert [f.text for f in recorder.of(TranscriptionFrame)] == [" ".join(str(i) for i in range(10, 40))]
    assert stt.segments == [b"".join(chunk(i) for i in range(10, 40))]
    assert len(recorder.of(InputAudioRawFrame)) == 40  # audio passed on
    data = [d for f in recorder.of(MetricsFrame) for d in f.data]
    assert [d.value for d in data if isinstance(d, STTUsageMetricsData)] == [pytest.approx(0.6)]
    assert len([d for d in data if isinstance(d, TTFBMetricsData)]) == 1
    assert len([d for d in data if isinstance(d, ProcessingMetricsData)]) == 1


async def test_segmented_stt_segments_are_separate_and_pre_roll_is_configurable():
    stt = SegmentSTT(pre_roll_secs=0.04)
    recorder = FrameRecorder()
    task = make_task(stt, recorder)
    first = speech(pre=4, spoken=2)  # chunks 0-5
    second = [audio_frame(i) for i in range(6, 9)]  # chunks 7 and 8 are the pre-roll
    second += [VADUserStartedSpeakingFrame(), audio_frame(9), VADUserStoppedSpeakingFrame()]
    await run_to_end(task, [*first, *second])
    assert [f.text for f in recorder.of(TranscriptionFrame)] == ["2 3 4 5", "7 8 9"]


async def test_segmented_stt_ignores_audio_without_speech_and_mute_drops_segment():
    stt = SegmentSTT()
    recorder = FrameRecorder()
    task = make_task(stt, recorder)
    no_start = [audio_frame(i) for i in range(5)]
    muted = speech(pre=2, spoken=3)
    muted.insert(-1, STTMuteFrame(mute=True))
    await run_to_end(task, [*no_start, VADUserStoppedSpeakingFrame(), *muted])
    assert stt.segments == []
    assert recorder.of(TranscriptionFrame) == []


async def test_speech_longer_than_max_segment_secs_is_transcribed_in_pieces():
    stt = SegmentSTT(pre_roll_secs=0.04, max_segment_secs=0.1)  # 5 chunks a piece
    recorder = FrameRecorder()
    task = make_task(stt, recorder)
    await run_to_end(task, speech(pre=2, spoken=10))
    # Pre-roll 0-1, then 2-11: a piece as soon as 5 chunks are buffered, the rest at the stop.
    assert [f.text for f in recorder.of(TranscriptionFrame)] == ["0 1 2 3 4", "5 6 7 8 9", "10 11"]
    for wrong in (0, 61):
        with pytest.raises(ValueError, match="max_segment_secs must be > 0 and at most max_pending_secs"):
            SegmentSTT(max_segment_secs=wrong)


async def test_end_frame_waits_for_the_segment_in_transcription():
    stt = SegmentSTT(delay=0.1)
    recorder = FrameRecorder()
    task = make_task(stt, recorder)
    await run_to_end(task, speech(pre=1, spoken=1))
    kinds = [type(f) for f in recorder.frames if isinstance(f, (TranscriptionFrame, EndFrame))]
    assert kinds == [TranscriptionFrame, EndFrame]


async def test_a_failing_transcription_is_reported_and_the_next_one_runs():
    class FlakySTT(STTService):
        async def run_stt(self, audio):
            if audio[0] == 0:
                raise RuntimeError("model crashed")
            yield TranscriptionFrame(text="ok")

    recorder = FrameRecorder()
    task = make_task(FlakySTT(), recorder)
    errors: list[Any] = []

    @task.event_handler("on_pipeline_error")
    async def on_error(task, frame):
        errors.append(frame)

    await run_to_end(task, [audio_frame(0), audio_frame(1)])
    assert [f.text for f in recorder.of(TranscriptionFrame)] == ["ok"]
    assert errors and "model crashed" in errors[0].error


async def test_audio_beyond_max_pending_secs_is_dropped_with_one_error_until_the_stt_catches_up():
    class StuckSTT(STTService):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.entered, self.gate, self.seen = anyio.Event(), anyio.Event(), []

        async def run_stt(self, audio: bytes) -> AsyncIterator[Frame]:
            self.entered.set()
            await self.gate.wait()
            self.seen.append(audio[0])
            yield InterimTranscriptionFrame(text=str(audio[0]))

    stt = StuckSTT(max_pending_secs=0.05)  # 800 samples: two 20 ms chunks may wait
    recorder = FrameRecorder()
    task = make_task(stt, recorder)
    errors: list[Any] = []

    @task.event_handler("on_pipeline_error")
    async def on_error(task, frame):
        errors.append(frame)

    async with running(task):
        await task.queue_frame(audio_frame(0))
        with anyio.fail_after(5):
            await stt.entered.wait()  # chunk 0 is in run_stt: the queue is empty
        for i in range(1, 5):  # 1 and 2 wait, 3 and 4 are dropped
            await task.queue_frame(audio_frame(i))
        await recorder.wait_for(lambda: len(recorder.of(InputAudioRawFrame)) == 5)
        with anyio.fail_after(5):
            while not errors:  # the error goes upstream, to the task
                await anyio.sleep(0.01)
        stt.gate.set()
        await recorder.wait_for(lambda: stt.seen == [0, 1, 2])
        await task.queue_frame(audio_frame(5))  # caught up: taken again
        await recorder.wait_for(lambda: stt.seen == [0, 1, 2, 5])
    assert len(errors) == 1 and not errors[0].fatal
    assert errors[0].error.endswith("is over 0.05 s behind the audio; audio is dropped until it catches up")
    assert len(recorder.of(InputAudioRawFrame)) == 6  # audio is passed on all the same


async def test_queued_steps_run_in_order_with_the_audio():
    """A streaming provider's end-of-turn step follows the audio queued before it."""

    class StepSTT(CountingSTT):
        async def on_user_stopped_speaking(self) -> None:
            self.queue_step(self.finalize)

        async def finalize(self) -> None:
            self.chunks.append(b"finalize")
            await self.push_transcription(TranscriptionFrame(text="pushed"))

    gate = anyio.Event()
    stt = StepSTT(gate=gate)
    recorder = FrameRecorder()
    task = make_task(stt, recorder)
    async with running(task):
        await task.queue_frames(
            [audio_frame(0), audio_frame(1), VADUserStoppedSpeakingFrame(), audio_frame(2)]
            # the VAD stop was handled inline, before any audio went to run_stt
        )
        await recorder.wait_for(lambda: recorder.of(VADUserStoppedSpeakingFrame))
        gate.set()
        await recorder.wait_for(lambda: len(stt.chunks) == 4)
    assert [c[:1] for c in stt.chunks] == [b"\x00", b"\x01", b"f", b"\x02"]
    pushed = [f for f in recorder.of(TranscriptionFrame) if f.text == "pushed"]
    assert len(pushed) == 1 and ISO_MS.match(pushed[0].timestamp)


async def test_cancel_drops_the_audio_still_queued():
    """Audio queued when a run is cancelled is not transcribed at the start of the next run."""
    gate = anyio.Event()
    stt = CountingSTT(gate=gate)
    task = make_task(stt, FrameRecorder())
    async with running(task):
        await task.queue_frames([audio_frame(i) for i in range(3)])
        await task.cancel()
    gate.set()
    await run_to_end(make_task(stt, FrameRecorder()), [audio_frame(7)])
    assert [c[0] for c in stt.chunks] == [7]
