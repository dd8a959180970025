"""Barge-in: the bot's audio is held from the user's first speech window until the VAD decides."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from test_transport_output import make, tts_audio
from test_vad import FRAME, RATE, pieces, silence, tone

from rtvi_core.builtins import EnergyVADAnalyzer, MemoryTransport
from rtvi_core.builtins.memory_transport import MemoryClient
from rtvi_core.frames import (
    BotAudioHoldFrame,
    BotStoppedSpeakingFrame,
    Frame,
    InterruptionFrame,
    TTSStoppedFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from rtvi_core.params import PipelineParams
from rtvi_core.pipeline import Pipeline
from rtvi_core.services import TransportParams
from rtvi_core.task import PipelineTask
from rtvi_core.testing import FrameRecorder, running

pytestmark = pytest.mark.anyio


async def turn_frames(pcm: bytes, *, allow_interruptions: bool = True, **params: Any) -> list[str]:
    """What the input transport pushes for ``pcm`` (hold, turn and interruption frames), in order."""
    transport = MemoryTransport(
        params=TransportParams(audio_in_enabled=True, vad_analyzer=EnergyVADAnalyzer(), **params)
    )
    after = FrameRecorder()
    task = PipelineTask(
        Pipeline([transport.input(), after]),
        params=PipelineParams(allow_interruptions=allow_interruptions, send_initial_empty_metrics=False),
        enable_rtvi=False,
    )
    async with running(task):
        for piece in pieces(pcm, FRAME):
            await transport.client.send_audio(piece, sample_rate=RATE)
        await after.wait_for(lambda: len(after.of(BotAudioHoldFrame)) % 2 == 0)
    return [describe(f) for f in after.frames if isinstance(f, (BotAudioHoldFrame, *TURN))]


TURN = (UserStartedSpeakingFrame, InterruptionFrame, UserStoppedSpeakingFrame)


def describe(frame: Frame) -> str:
    if isinstance(frame, BotAudioHoldFrame):
        return "hold" if frame.hold else "release"
    return type(frame).__name__


async def test_speech_holds_the_bot_from_its_first_window_until_the_interruption():
    names = await turn_frames(silence(0.3) + tone(0.6) + silence(1.2))
    assert names == ["hold", "UserStartedSpeakingFrame", "InterruptionFrame", "release", "UserStoppedSpeakingFrame"]


async def test_a_blip_holds_then_releases_without_a_turn():
    assert await turn_frames(silence(0.3) + tone(0.1) + silence(0.5)) == ["hold", "release"]


@pytest.mark.parametrize("params", [{"allow_interruptions": False}, {"audio_out_hold_on_speech": False}])
async def test_no_hold_without_interruptions_or_when_turned_off(params: dict[str, Any]):
    names = await turn_frames(silence(0.3) + tone(0.6) + silence(1.2), **params)
    assert "hold" not in names and "release" not in names


@asynccontextmanager
async def holding(secs: float) -> AsyncIterator[tuple[PipelineTask, MemoryClient, FrameRecorder, int]]:
    """``secs`` of bot audio, paced, held after two chunks: the task, the client, what came out, chunks written."""
    transport, task, _, after = make(audio_out_realtime=True)
    client = transport.client
    async with running(task):
        await task.queue_frames([tts_audio(secs), TTSStoppedFrame()])
        await client.wait_for(lambda: len(client.audio) >= 2 or None)
        await task.queue_frame(BotAudioHoldFrame(hold=True))
        yield task, client, after, len(client.audio)


async def test_held_audio_is_written_once_released():
    async with holding(0.4) as (task, client, after, held):
        await task.queue_frame(BotAudioHoldFrame(hold=False))
        await after.wait_for(lambda: after.of(BotStoppedSpeakingFrame))
    assert held < 10  # 0.4 s = 10 chunks of 40 ms: the hold came before the end
    assert len(client.audio) == 10  # nothing lost


async def test_an_interruption_during_a_hold_drops_the_audio():
    async with holding(1.0) as (task, client, after, held):
        await task.queue_frame(InterruptionFrame())
        await after.wait_for(lambda: after.of(BotStoppedSpeakingFrame))
        await task.queue_frame(BotAudioHoldFrame(hold=False))
    assert len(client.audio) <= held + 1  # at most the chunk being written when the hold came


async def test_a_hold_while_the_bot_is_silent_holds_nothing():
    transport, task, _, after = make(audio_out_realtime=True)
    client = transport.client
    async with running(task):
        await task.queue_frame(BotAudioHoldFrame(hold=True))  # never released
        await task.queue_frames([tts_audio(0.2), TTSStoppedFrame()])
        await after.wait_for(lambda: after.of(BotStoppedSpeakingFrame))
    assert len(client.audio) == 5
