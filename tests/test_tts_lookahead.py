"""The TTS base's bounded synthesis ahead of playback, and contexts ended by an interruption."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest
from support import bare_task
from test_tts_service import TWO_SENTENCES, ScriptedTTS, describe, llm_response, run

from rtvi_core.frames import (
    InterruptionFrame,
    LLMFullResponseStartFrame,
    LLMTextFrame,
    TTSAudioRawFrame,
    TTSSpeakFrame,
    TTSStartedFrame,
)
from rtvi_core.services.tts import TTSService
from rtvi_core.services.tts_params import TTSStreamParams
from rtvi_core.services.tts_playback import PlaybackClock
from rtvi_core.testing import FrameRecorder, running

pytestmark = pytest.mark.anyio

SENTENCES_ONLY = {"first_clause_min_words": 0, "first_chunk_max_words": 0}
RATE = 8000


def test_the_clock_counts_the_chunks_still_to_play():
    clock = PlaybackClock(lookahead=1)
    clock.add(2.0, now=100.0)  # chunk 1: plays 100 → 102
    clock.chunk_done()
    clock.add(1.0, now=100.5)  # chunk 2, pushed while chunk 1 plays: 102 → 103
    clock.chunk_done()
    assert clock.ahead(100.5) == 2
    assert clock.ahead(102.0) == 1
    clock.add(1.0, now=110.0)  # after a silence: plays from when it is pushed
    clock.chunk_done()
    assert clock.ahead(110.0) == 1 and clock.ahead(111.0) == 0
    clock.add(1.0, now=200.0)
    clock.reset()
    assert clock.ahead(200.0) == 0


async def test_no_bound_never_waits():
    clock = PlaybackClock(lookahead=None)
    for _ in range(5):
        clock.add(60.0, now=0.0)
        clock.chunk_done()
    await clock.wait_for_room()
    assert clock.ahead(0.0) == 0


async def test_order_is_kept_with_look_ahead():
    plain = await run(ScriptedTTS("timed"), llm_response(*TWO_SENTENCES, " Fine, thanks. Bye."))
    bounded = await run(
        ScriptedTTS("timed", stream=TTSStreamParams(lookahead=1, **SENTENCES_ONLY)),
        llm_response(*TWO_SENTENCES, " Fine, thanks. Bye."),
    )
    assert describe(bounded.frames) == describe(plain.frames)


async def test_the_first_clause_is_spoken_as_a_chunk_of_its_own():
    tts = ScriptedTTS("untimed", stream=TTSStreamParams(first_clause_min_words=2, clause_below_secs=0))
    await run(tts, llm_response("Hello there", ", how", " are you? I am", " fine, thanks. "))
    assert tts.requests == ["Hello there,", "how are you?", "I am fine, thanks."]


async def test_later_chunks_end_at_a_clause_while_little_audio_is_left_to_play():
    # 10 ms of audio a word: always less than clause_below_secs left, so every clause is cut.
    tts = ScriptedTTS("untimed", stream=TTSStreamParams(first_clause_min_words=2, clause_below_secs=60))
    await run(tts, llm_response("Hello there", ", how", " are you? I am", " fine, thanks. "))
    assert tts.requests == ["Hello there,", "how are you?", "I am fine,", "thanks."]


class LongTTS(TTSService):
    """Each sentence is ``SECONDS`` of audio, in one chunk; records what it was asked."""

    SECONDS = 30

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.requests: list[str] = []

    async def run_tts(self, text: str, context_id: str) -> AsyncIterator[bytes]:
        self.requests.append(text)
        yield bytes([len(self.requests), 0]) * (self.SECONDS * self.sample_rate)


async def test_synthesis_runs_at_most_lookahead_chunks_ahead_and_an_interruption_drops_the_rest():
    tts = LongTTS(stream=TTSStreamParams(lookahead=1, **SENTENCES_ONLY))
    recorder = FrameRecorder()
    task = bare_task([tts, recorder], audio_out_sample_rate=RATE)
    async with running(task):
        await task.queue_frames(llm_response("One. Two. Three. Four. "))
        await recorder.wait_for(lambda: len(recorder.of(TTSAudioRawFrame)) == 2)
        for _ in range(20):  # give the worker every chance to start a third sentence
            await anyio.sleep(0)
        # Sentence one plays (30 s) while two is ready: three waits for one to end.
        assert tts.requests == ["One.", "Two."]
        await task.queue_frame(InterruptionFrame())
        await recorder.wait_for(lambda: recorder.of(InterruptionFrame))
        await task.queue_frames(llm_response("New. "))
        await recorder.wait_for(lambda: len(recorder.of(TTSAudioRawFrame)) == 3)
    assert tts.requests == ["One.", "Two.", "New."]  # nothing queued survived the interruption
    frames = recorder.frames
    cut = frames.index(recorder.of(InterruptionFrame)[0])
    first, second = (f.context_id for f in recorder.of(TTSStartedFrame))
    assert {f.context_id for f in frames[:cut] if isinstance(f, TTSAudioRawFrame)} == {first}
    assert {f.context_id for f in frames[cut:] if isinstance(f, TTSAudioRawFrame)} == {second}


class SpeakBlocksTTS(TTSService):
    """Speaks at once, except the text ``"Alone."``, which never ends; records the context hooks."""

    def __init__(self) -> None:
        super().__init__()
        self.hooks: list[tuple[str, str]] = []

    async def run_tts(self, text: str, context_id: str) -> AsyncIterator[bytes]:
        yield b"\x01\x00" * 10
        if text == "Alone.":
            await anyio.sleep_forever()

    async def on_context_interrupted(self, context_id: str) -> None:
        self.hooks.append(("interrupted", context_id))


async def test_an_interruption_during_a_speak_frame_ends_the_reply_it_suspended_too():
    tts = SpeakBlocksTTS()
    recorder = FrameRecorder()
    task = bare_task([tts, recorder])
    async with running(task):
        await task.queue_frames(
            [LLMFullResponseStartFrame(), LLMTextFrame("First sentence. "), TTSSpeakFrame(text="Alone.")]
        )
        await recorder.wait_for(lambda: len(recorder.of(TTSAudioRawFrame)) == 2)
        await task.queue_frame(InterruptionFrame())
        await recorder.wait_for(lambda: recorder.of(InterruptionFrame))
    reply, speak = (f.context_id for f in recorder.of(TTSStartedFrame))
    assert tts.hooks == [("interrupted", reply), ("interrupted", speak)]
