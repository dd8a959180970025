"""Transports convert audio that arrives at another rate than theirs (soxr)."""

from __future__ import annotations

import array
import math

import pytest

from rtvi_core.builtins import MemoryTransport
from rtvi_core.frames import InputAudioRawFrame, OutputAudioRawFrame, TTSStoppedFrame
from rtvi_core.params import PipelineParams
from rtvi_core.pipeline import Pipeline
from rtvi_core.services import TransportParams
from rtvi_core.task import PipelineTask
from rtvi_core.testing import FrameRecorder, running

pytestmark = pytest.mark.anyio


def tone(rate: int, seconds: float) -> bytes:
    n = int(rate * seconds)
    return array.array("h", (int(6000 * math.sin(2 * math.pi * 300 * i / rate)) for i in range(n))).tobytes()


def make(**params):
    transport = MemoryTransport(params=TransportParams(**params))
    after = FrameRecorder()
    task = PipelineTask(
        Pipeline([transport.input(), after, transport.output()]),
        params=PipelineParams(
            send_initial_empty_metrics=False, audio_in_sample_rate=16000, audio_out_sample_rate=24000
        ),
        enable_rtvi=False,
    )
    return transport, task, after


async def test_client_audio_at_8khz_enters_a_16khz_input_at_16khz():
    transport, task, after = make(audio_in_enabled=True)
    pcm = tone(8000, 1.0)
    async with running(task):
        for i in range(0, len(pcm), 320):  # 20 ms frames
            await transport.client.send_audio(pcm[i : i + 320], sample_rate=8000)
        await after.wait_for(lambda: sum(len(f.audio) for f in after.of(InputAudioRawFrame)) >= 31000)
    frames = after.of(InputAudioRawFrame)
    assert {f.sample_rate for f in frames} == {16000}
    # 1 s at 16 kHz, less the filter delay (≤ 30 ms) still inside the resampler
    assert 31000 <= sum(len(f.audio) for f in frames) <= 32000


async def test_audio_at_22050_leaves_a_24khz_output_at_24khz():
    transport, task, _ = make(audio_out_enabled=True, audio_out_realtime=False)
    pcm = tone(22050, 1.0)
    async with running(task):
        await task.queue_frames(
            [OutputAudioRawFrame(pcm[i : i + 882], 22050, 1) for i in range(0, len(pcm), 882)] + [TTSStoppedFrame()]
        )
        await transport.client.wait_for(lambda: sum(map(len, transport.client.audio)) >= 47990 or None)
    written = transport.client.audio
    assert all(len(chunk) <= 1920 and len(chunk) % 2 == 0 for chunk in written)  # ≤ 40 ms at 24 kHz
    assert abs(sum(map(len, written)) - 48000) <= 4  # the filter's tail was flushed at TTSStopped


async def test_audio_at_the_output_rate_is_untouched():
    transport, task, _ = make(audio_out_enabled=True, audio_out_realtime=False)
    pcm = tone(24000, 0.2)
    async with running(task):
        await task.queue_frames([OutputAudioRawFrame(pcm, 24000, 1), TTSStoppedFrame()])
        await transport.client.wait_for(lambda: sum(map(len, transport.client.audio)) >= len(pcm) or None)
    assert b"".join(transport.client.audio) == pcm
