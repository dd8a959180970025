"""BaseOutputTransport (through MemoryTransport): chunking, pacing, speaking state, order."""

from __future__ import annotations

import time
from typing import Any

import pytest

from rtvi_core.builtins import MemoryTransport
from rtvi_core.direction import FrameDirection
from rtvi_core.frames import (
    AggregatedTextFrame,
    BotSpeakingFrame,
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    EndFrame,
    Frame,
    InterruptionFrame,
    OutputAudioRawFrame,
    OutputTransportMessageFrame,
    OutputTransportMessageUrgentFrame,
    TTSAudioRawFrame,
    TTSStartedFrame,
    TTSStoppedFrame,
    TTSTextFrame,
)
from rtvi_core.observers import BaseObserver, FramePushed
from rtvi_core.params import PipelineParams
from rtvi_core.pipeline import Pipeline
from rtvi_core.processor import FrameProcessor
from rtvi_core.services import TransportParams
from rtvi_core.task import PipelineTask
from rtvi_core.testing import FrameRecorder, running

pytestmark = pytest.mark.anyio

UP = FrameDirection.UPSTREAM
DOWN = FrameDirection.DOWNSTREAM


class PushLog(BaseObserver):
    """Records, in push order, what ``source`` pushes (system frames jump queues, so a
    downstream processor sees them earlier than queued frames pushed before them)."""

    def __init__(self, source: FrameProcessor) -> None:
        self.source = source
        self.pushed: list[tuple[Frame, FrameDirection]] = []

    async def on_push_frame(self, data: FramePushed) -> None:
        if data.source is self.source:
            self.pushed.append((data.frame, data.direction))

    def names(self, direction: FrameDirection, *types: type) -> list[str]:
        return [type(f).__name__ for f, d in self.pushed if d is direction and isinstance(f, types)]


def make(**params: Any) -> tuple[MemoryTransport, PipelineTask, FrameRecorder, FrameRecorder]:
    """A task: before → transport.output() → after, with 16 kHz output."""
    params.setdefault("audio_out_enabled", True)
    params.setdefault("audio_out_realtime", False)
    transport = MemoryTransport(params=TransportParams(audio_out_sample_rate=16000, **params))
    before, after = FrameRecorder(), FrameRecorder()
    task = PipelineTask(
        Pipeline([before, transport.output(), after]),
        params=PipelineParams(send_initial_empty_metrics=False),
        enable_rtvi=False,
    )
    return transport, task, before, after


def tts_audio(secs: float, rate: int = 16000) -> TTSAudioRawFrame:
    return TTSAudioRawFrame(audio=b"\x01\x00" * int(rate * secs), sample_rate=rate, num_channels=1)


async def test_audio_is_written_in_even_chunks_of_the_configured_size():
    transport, task, _, _ = make()
    client = transport.client
    audio = b"\x02\x00" * 1500  # 3000 bytes: two 40 ms chunks (1280 bytes) and a rest

    async with running(task):
        await task.queue_frames([OutputAudioRawFrame(audio, 16000, 1), TTSStoppedFrame(), EndFrame()])
        await client.wait_closed()
    assert [len(c) for c in client.audio] == [1280, 1280, 440]
    assert b"".join(client.audio) == audio
    assert client.events[-1] == ("closed", None)


async def test_chunk_size_follows_audio_out_10ms_chunks_and_joins_small_frames():
    transport, task, _, _ = make(audio_out_10ms_chunks=2)  # 20 ms = 640 bytes
    client = transport.client
    frames = [tts_audio(0.005) for _ in range(9)]  # 9 × 160 bytes

    async with running(task):
        await task.queue_frames([*frames, TTSStoppedFrame(), EndFrame()])
        await client.wait_closed()
    sizes = [len(c) for c in client.audio]
    assert sizes == [640, 640, 160]
    assert all(size % 2 == 0 for size in sizes)


async def test_speech_frames_are_ordered_with_the_audio_in_both_directions():
    transport, task, _before, after = make()
    pushes = PushLog(transport.output())
    task.add_observer(pushes)
    segment = AggregatedTextFrame(text="Hi there.", aggregated_by="sentence", will_be_spoken=True)
    spoken = TTSTextFrame(text="Hi there.", aggregated_by="sentence", segment_id=segment.id)

    async with running(task):
        await task.queue_frames([TTSStartedFrame(), segment, tts_audio(0.1), tts_audio(0.1), spoken, TTSStoppedFrame()])
        await after.wait_for(lambda: len(after.of(BotStoppedSpeakingFrame)) == 1)
        await task.queue_frame(EndFrame())
        await transport.client.wait_closed()
    interesting = (
        TTSStartedFrame,
        AggregatedTextFrame,
        BotStartedSpeakingFrame,
        OutputAudioRawFrame,
        TTSStoppedFrame,
        BotStoppedSpeakingFrame,
    )
    assert pushes.names(DOWN, *interesting) == [
        "TTSStartedFrame",
        "AggregatedTextFrame",
        "BotStartedSpeakingFrame",
        "TTSAudioRawFrame",
        "TTSAudioRawFrame",
        "TTSTextFrame",
        "TTSStoppedFrame",
        "BotStoppedSpeakingFrame",
    ]
    assert pushes.names(UP, BotStartedSpeakingFrame, BotStoppedSpeakingFrame) == [
        "BotStartedSpeakingFrame",
        "BotStoppedSpeakingFrame",
    ]
    # The written audio is complete and in step: 0.2 s at 16 kHz in 40 ms chunks.
    assert sum(n for kind, n in transport.client.events if kind == "audio") == 6400


async def test_text_waits_for_the_preceding_audio_when_paced():
    transport, task, _, after = make(audio_out_realtime=True)
    client = transport.client
    audio_log: list[int] = []

    async with running(task):
        text = TTSTextFrame(text="done.", aggregated_by="sentence")
        await task.queue_frames([tts_audio(0.2), text])
        await after.wait_for(lambda: len(after.of(TTSTextFrame)) == 1)
        audio_log.append(sum(len(c) for c in client.audio))
    assert audio_log == [6400]  # every chunk was written before the text was released


async def test_messages_urgent_at_once_and_queued_in_order_with_audio():
    transport, task, _, _ = make(audio_out_realtime=True)
    client = transport.client

    async with running(task):
        await task.queue_frames([tts_audio(0.4), OutputTransportMessageFrame(message={"type": "after-audio"})])
        await client.wait_for(lambda: client.audio or None)
        await task.queue_frame(OutputTransportMessageUrgentFrame(message={"type": "urgent"}))
        await client.wait_for_message("after-audio")
    kinds = [kind if kind == "audio" else value["type"] for kind, value in client.events[:-1]]
    urgent_at = kinds.index("urgent")
    assert 0 < urgent_at < kinds.index("after-audio")
    assert "audio" in kinds[urgent_at:]  # the urgent message did not wait for the audio
    assert kinds[-1] == "after-audio" and kinds.count("audio") == 10


async def test_interruption_while_speaking_drops_audio_and_stops_the_bot():
    transport, task, before, after = make(audio_out_realtime=True)
    client = transport.client
    late_text = TTSTextFrame(text="never said.", aggregated_by="sentence")
    cleared: list[int] = []

    async def clear_audio() -> None:  # what a transport with a queue of its own (WebRTC) empties
        cleared.append(len(client.audio))

    transport.output().clear_audio = clear_audio  # type: ignore[method-assign]

    async with running(task):
        await task.queue_frames([tts_audio(1.0), late_text, TTSStoppedFrame()])
        await client.wait_for(lambda: len(client.audio) >= 2 or None)
        await task.queue_frame(InterruptionFrame())
        await after.wait_for(lambda: len(after.of(BotStoppedSpeakingFrame)) == 1)
        written = len(client.audio)
        await task.queue_frame(EndFrame())
        await client.wait_closed()
        assert len(client.audio) == written
    assert after.names(InterruptionFrame, BotStoppedSpeakingFrame) == [
        "InterruptionFrame",
        "BotStoppedSpeakingFrame",
    ]
    assert len(before.of(BotStoppedSpeakingFrame, UP)) == 1
    assert len(client.audio) < 25  # 1 s would be 25 chunks
    assert len(after.of(TTSTextFrame)) == 0
    assert cleared == [written]  # the transport was told at once, and nothing was written after


async def test_silence_after_audio_stops_the_bot():
    _transport, task, before, after = make(bot_silence_timeout_secs=0.05)

    async with running(task):
        await task.queue_frame(tts_audio(0.1))  # no TTSStoppedFrame follows
        await after.wait_for(lambda: len(after.of(BotStoppedSpeakingFrame)) == 1)
        # New audio after the silence starts a new speech.
        await task.queue_frame(tts_audio(0.1))
        await after.wait_for(lambda: len(after.of(BotStoppedSpeakingFrame)) == 2)
    assert (
        after.names(BotStartedSpeakingFrame, BotStoppedSpeakingFrame)
        == [
            "BotStartedSpeakingFrame",
            "BotStoppedSpeakingFrame",
        ]
        * 2
    )
    assert len(before.of(BotStoppedSpeakingFrame, UP)) == 2


async def test_paced_tail_shorter_than_a_chunk_is_written_when_the_client_needs_it():
    transport, task, _, after = make(audio_out_realtime=True, bot_silence_timeout_secs=0.05)
    client = transport.client

    async with running(task):
        await task.queue_frame(tts_audio(0.05))  # one 40 ms chunk and a 10 ms tail
        await after.wait_for(lambda: len(after.of(BotStoppedSpeakingFrame)) == 1)
    assert [len(c) for c in client.audio] == [1280, 320]


async def test_bot_speaking_frames_while_paced_audio_plays():
    _transport, task, before, after = make(audio_out_realtime=True, bot_speaking_interval_secs=0.05)

    async with running(task):
        await task.queue_frames([tts_audio(0.3), TTSStoppedFrame()])
        await after.wait_for(lambda: len(after.of(BotStoppedSpeakingFrame)) == 1)
    names = after.names(BotStartedSpeakingFrame, BotSpeakingFrame, BotStoppedSpeakingFrame)
    assert names[0] == "BotStartedSpeakingFrame" and names[-1] == "BotStoppedSpeakingFrame"
    assert names.count("BotSpeakingFrame") >= 2
    assert len(before.of(BotSpeakingFrame, UP)) == names.count("BotSpeakingFrame")


async def test_end_frame_writes_queued_audio_then_closes():
    transport, task, _, after = make(audio_out_realtime=True)
    client = transport.client

    async with running(task):
        await task.queue_frames([tts_audio(0.2), EndFrame()])
        await client.wait_closed()
    assert sum(len(c) for c in client.audio) == 6400
    assert client.events[-1] == ("closed", None)
    assert len(after.of(BotStoppedSpeakingFrame)) == 1
    assert task.has_finished()


async def test_cancel_closes_at_once():
    transport, task, _, _ = make(audio_out_realtime=True)
    client = transport.client

    async with running(task):
        await task.queue_frame(tts_audio(1.0))
        await client.wait_for(lambda: client.audio or None)
        await task.cancel()
        assert client.closed
    assert len(client.audio) < 25


@pytest.mark.parametrize("ahead", [0.0, 0.5])
async def test_paced_audio_runs_at_most_audio_out_ahead_secs_ahead_of_playback(ahead: float):
    transport, task, _, after = make(audio_out_realtime=True, audio_out_ahead_secs=ahead)
    client = transport.client
    written: list[float] = []  # monotonic time of each chunk's write
    receive = client._receive_audio

    def timed(audio: bytes) -> None:
        written.append(time.monotonic())
        receive(audio)

    client._receive_audio = timed  # type: ignore[method-assign]
    async with running(task):
        await task.queue_frame(tts_audio(1.0))  # 25 chunks of 40 ms
        await after.wait_for(lambda: len(written) == 25, timeout=10)
    # Audio the client holds right after each write (its playback starts at the first):
    # never more than `ahead` plus the chunk just written; with a lead, the first writes
    # come in a burst that fills it (a late write on a busy machine only shrinks it).
    held = [(k + 1) * 0.04 - (at - written[0]) for k, at in enumerate(written)]
    assert max(held) <= ahead + 0.04 + 0.005
    if ahead:
        assert max(held) > ahead / 2
