"""Tests for the TTSService base: sentence streaming, frame sequences, word timing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest
from support import bare_task, run_to_end

from rtvi_core.frames import (
    AggregatedTextFrame,
    EndFrame,
    Frame,
    InterruptionFrame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    LLMTextFrame,
    MetricsFrame,
    TextFrame,
    TranscriptionFrame,
    TTSAudioRawFrame,
    TTSSpeakFrame,
    TTSStartedFrame,
    TTSStoppedFrame,
    TTSTextFrame,
    UserStartedSpeakingFrame,
)
from rtvi_core.metrics import TTFBMetricsData, TTSUsageMetricsData
from rtvi_core.services.tts import TTSService, WordTimestamp
from rtvi_core.testing import FrameRecorder, eventually, running

pytestmark = pytest.mark.anyio

RATE = 16000
WORD_BYTES = 2 * RATE // 100  # the double's audio per word: 10 ms


class ScriptedTTS(TTSService):
    """Test double: 10 ms of audio per word, each sample holding the word's index.

    ``mode``: "timed" (timing then audio per word), "one_chunk" (all timings, then
    the whole sentence as one chunk, which the base must cut), "late" (audio first,
    timings after it) or "untimed" (audio only).
    """

    def __init__(self, mode: str = "timed", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mode = mode
        self.requests: list[str] = []

    async def run_tts(self, text: str, context_id: str) -> AsyncIterator[bytes | WordTimestamp]:
        self.requests.append(text)
        words = text.split()
        audio = [bytes([i, 0]) * (WORD_BYTES // 2) for i in range(len(words))]
        timings = [WordTimestamp(w, i * 0.01) for i, w in enumerate(words)]
        if self.mode == "timed":
            for timing, chunk in zip(timings, audio):
                yield timing
                yield chunk
        elif self.mode == "one_chunk":
            for timing in timings:
                yield timing
            yield b"".join(audio)
        elif self.mode == "late":
            yield b"".join(audio)
            for timing in timings:
                yield timing
        else:
            for chunk in audio:
                yield chunk


def describe(frames: list[Frame]) -> list[tuple]:
    """The TTS-relevant frames as comparable tuples (audio: first sample, byte count)."""
    out: list[tuple] = []
    for f in frames:
        if isinstance(f, TTSTextFrame):
            out.append((f.aggregated_by, f.text))
        elif isinstance(f, AggregatedTextFrame):
            out.append(("segment" if f.will_be_spoken else "unspoken", f.text))
        elif isinstance(f, TTSAudioRawFrame):
            out.append(("audio", f.audio[0], len(f.audio)))
        elif isinstance(f, (TTSStartedFrame, TTSStoppedFrame, LLMFullResponseStartFrame, LLMFullResponseEndFrame)):
            out.append((type(f).__name__,))
        elif isinstance(f, TextFrame):
            out.append(("text", f.text))
    return out


def llm_response(*chunks: str, skip_tts: bool = False) -> list[Frame]:
    frames: list[Frame] = [LLMFullResponseStartFrame()]
    for chunk in chunks:
        frame = LLMTextFrame(text=chunk)
        frame.skip_tts = skip_tts or None
        frames.append(frame)
    frames.append(LLMFullResponseEndFrame())
    return frames


async def run(tts: TTSService, frames: list[Frame], **params: Any) -> FrameRecorder:
    """Run ``frames`` then an EndFrame through tts → recorder; return the recorder."""
    recorder = FrameRecorder()
    task = bare_task([tts, recorder], audio_out_sample_rate=RATE, **params)
    await run_to_end(task, frames)
    return recorder


TWO_SENTENCES = ["Hi", " there", ". How", " are you", "?"]


async def test_word_mode_sequence_for_two_sentence_response():
    recorder = await run(ScriptedTTS("timed"), llm_response(*TWO_SENTENCES))
    assert describe(recorder.frames) == [
        ("LLMFullResponseStartFrame",),
        ("TTSStartedFrame",),
        ("segment", "Hi there."),
        ("word", "Hi"),
        ("audio", 0, WORD_BYTES),
        ("word", "there."),
        ("audio", 1, WORD_BYTES),
        ("segment", "How are you?"),
        ("word", "How"),
        ("audio", 0, WORD_BYTES),
        ("word", "are"),
        ("audio", 1, WORD_BYTES),
        ("word", "you?"),
        ("audio", 2, WORD_BYTES),
        ("TTSStoppedFrame",),
        ("LLMFullResponseEndFrame",),
    ]
    frames = recorder.frames
    started = next(f for f in frames if isinstance(f, TTSStartedFrame))
    stopped = next(f for f in frames if isinstance(f, TTSStoppedFrame))
    assert started.context_id and stopped.context_id == started.context_id
    segments = [f for f in frames if type(f) is AggregatedTextFrame]
    words = [f for f in frames if isinstance(f, TTSTextFrame)]
    assert [w.segment_id for w in words] == [segments[0].id] * 2 + [segments[1].id] * 3
    assert {w.context_id for w in words} == {started.context_id}
    audio = [f for f in frames if isinstance(f, TTSAudioRawFrame)]
    assert {(a.sample_rate, a.num_channels, a.context_id) for a in audio} == {(RATE, 1, started.context_id)}
    assert not any(isinstance(f, LLMTextFrame) for f in frames)


async def test_sentence_mode_sequence_for_two_sentence_response():
    recorder = await run(ScriptedTTS("untimed"), llm_response(*TWO_SENTENCES))
    assert describe(recorder.frames) == [
        ("LLMFullResponseStartFrame",),
        ("TTSStartedFrame",),
        ("segment", "Hi there."),
        ("audio", 0, WORD_BYTES),
        ("audio", 1, WORD_BYTES),
        ("sentence", "Hi there."),
        ("segment", "How are you?"),
        ("audio", 0, WORD_BYTES),
        ("audio", 1, WORD_BYTES),
        ("audio", 2, WORD_BYTES),
        ("sentence", "How are you?"),
        ("TTSStoppedFrame",),
        ("LLMFullResponseEndFrame",),
    ]
    segments = [f for f in recorder.frames if type(f) is AggregatedTextFrame]
    spoken = [f for f in recorder.frames if isinstance(f, TTSTextFrame)]
    assert [s.segment_id for s in spoken] == [seg.id for seg in segments]


async def test_first_sentence_is_synthesized_before_the_response_ends():
    tts = ScriptedTTS("timed")
    recorder = FrameRecorder()
    task = bare_task([tts, recorder], audio_out_sample_rate=RATE)
    async with running(task):
        await task.queue_frames([LLMFullResponseStartFrame(), LLMTextFrame("One. "), LLMTextFrame("Two")])
        await recorder.wait_for(lambda: recorder.of(TTSAudioRawFrame))
        assert tts.requests == ["One."]
        await task.queue_frames([LLMFullResponseEndFrame(), EndFrame()])
        await eventually(task.has_finished)
    assert tts.requests == ["One.", "Two"]


async def test_one_chunk_audio_is_cut_at_word_starts():
    recorder = await run(ScriptedTTS("one_chunk"), llm_response("Hey you all."))
    assert describe(recorder.frames)[2:-2] == [
        ("segment", "Hey you all."),
        ("word", "Hey"),
        ("audio", 0, WORD_BYTES),
        ("word", "you"),
        ("audio", 1, WORD_BYTES),
        ("word", "all."),
        ("audio", 2, WORD_BYTES),
    ]


async def test_late_word_timings_are_pushed_at_once():
    recorder = await run(ScriptedTTS("late"), llm_response("Hey you."))
    assert describe(recorder.frames)[2:-2] == [
        ("segment", "Hey you."),
        ("audio", 0, 2 * WORD_BYTES),
        ("word", "Hey"),
        ("word", "you."),
    ]


async def test_skip_tts_text_is_pushed_unspoken_without_audio():
    recorder = await run(ScriptedTTS(), llm_response("Some code. More", " code", skip_tts=True))
    assert describe(recorder.frames) == [
        ("LLMFullResponseStartFrame",),
        ("unspoken", "Some code."),
        ("unspoken", "More code"),
        ("LLMFullResponseEndFrame",),
    ]


async def test_mixed_skip_tts_flushes_at_the_switch():
    frames = llm_response("Spoken part", " here")
    skipped = LLMTextFrame(text=" hidden")
    skipped.skip_tts = True
    frames.insert(2, skipped)
    recorder = await run(ScriptedTTS("untimed"), frames)
    assert [d for d in describe(recorder.frames) if d[0] != "audio"] == [
        ("LLMFullResponseStartFrame",),
        ("TTSStartedFrame",),
        ("segment", "Spoken part"),
        ("sentence", "Spoken part"),
        ("unspoken", "hidden"),
        ("segment", "here"),
        ("sentence", "here"),
        ("TTSStoppedFrame",),
        ("LLMFullResponseEndFrame",),
    ]


async def test_speak_frame_and_stray_text_are_contexts_of_their_own():
    recorder = await run(
        ScriptedTTS("untimed"),
        [TTSSpeakFrame(text="Hello. Welcome"), TextFrame(text="Bye")],
    )
    assert [d for d in describe(recorder.frames) if d[0] != "audio"] == [
        ("TTSStartedFrame",),
        ("segment", "Hello."),
        ("sentence", "Hello."),
        ("segment", "Welcome"),
        ("sentence", "Welcome"),
        ("TTSStoppedFrame",),
        ("TTSStartedFrame",),
        ("segment", "Bye"),
        ("sentence", "Bye"),
        ("TTSStoppedFrame",),
    ]
    contexts = [f.context_id for f in recorder.frames if isinstance(f, TTSStartedFrame)]
    assert len(set(contexts)) == 2


async def test_other_frames_pass_and_transcriptions_are_not_spoken():
    tts = ScriptedTTS()
    user = TranscriptionFrame(text="user words.", user_id="u", timestamp="t")
    recorder = await run(tts, [user, UserStartedSpeakingFrame()])
    assert user in recorder.frames
    assert any(isinstance(f, UserStartedSpeakingFrame) for f in recorder.frames)
    assert tts.requests == []


async def test_push_text_frames_false_pushes_no_tts_text():
    recorder = await run(ScriptedTTS("timed", push_text_frames=False), llm_response("Hi there."))
    kinds = [d[0] for d in describe(recorder.frames)]
    assert "word" not in kinds and "sentence" not in kinds
    assert kinds.count("audio") == 2 and kinds.count("segment") == 1


async def test_odd_length_chunks_are_regrouped_into_whole_samples():
    class OddTTS(TTSService):
        async def run_tts(self, text, context_id):
            yield b"\x01\x02\x03"
            yield b"\x04\x05\x06\x07"
            yield b"\x08"

    recorder = await run(OddTTS(), [TTSSpeakFrame(text="x")])
    audio = [f.audio for f in recorder.frames if isinstance(f, TTSAudioRawFrame)]
    assert audio == [b"\x01\x02", b"\x03\x04\x05\x06", b"\x07\x08"]


async def test_synthesis_error_is_reported_and_context_still_closes():
    class FailingTTS(TTSService):
        async def run_tts(self, text, context_id):
            yield b"\x00\x00"
            raise RuntimeError("voice unavailable")

    tts = FailingTTS()
    recorder = FrameRecorder()
    task = bare_task([tts, recorder])
    errors: list[Any] = []

    @task.event_handler("on_pipeline_error")
    async def on_error(task, frame):
        errors.append(frame)

    await run_to_end(task, llm_response("Hello."))
    assert [d[0] for d in describe(recorder.frames)] == [
        "LLMFullResponseStartFrame",
        "TTSStartedFrame",
        "segment",
        "audio",
        "sentence",
        "TTSStoppedFrame",
        "LLMFullResponseEndFrame",
    ]
    assert errors and "voice unavailable" in errors[0].error


async def test_metrics_ttfb_and_usage_per_sentence():
    recorder = await run(
        ScriptedTTS(),
        llm_response("One two. Three."),
        enable_metrics=True,
        enable_usage_metrics=True,
        send_initial_empty_metrics=False,
    )
    data = [d for f in recorder.frames if isinstance(f, MetricsFrame) for d in f.data]
    assert [d.value for d in data if isinstance(d, TTSUsageMetricsData)] == [8, 6]
    ttfb = [d for d in data if isinstance(d, TTFBMetricsData)]
    assert len(ttfb) == 2 and all(d.value >= 0 for d in ttfb)


class GatedTTS(TTSService):
    """Yields one chunk per sentence, then waits for a gate that never opens."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[str] = []
        self.closed = 0

    async def run_tts(self, text, context_id):
        self.requests.append(text)
        try:
            yield b"\x01\x00" * 10
            await anyio.sleep_forever()
            yield b"\x02\x00" * 10
        finally:
            self.closed += 1


async def test_interruption_stops_synthesis_and_clears_aggregation():
    tts = GatedTTS()
    recorder = FrameRecorder()
    task = bare_task([tts, recorder])
    audio = lambda fs: [f for f in fs if isinstance(f, TTSAudioRawFrame)]  # noqa: E731
    async with running(task):
        await task.queue_frames([LLMFullResponseStartFrame(), LLMTextFrame("First sentence. Half a")])
        await recorder.wait_for(lambda: len(audio(recorder.frames)) == 1)
        await task.queue_frame(InterruptionFrame())
        await recorder.wait_for(lambda: recorder.of(InterruptionFrame))
        # A new response: nothing left over from the interrupted one.
        await task.queue_frames([LLMFullResponseStartFrame(), LLMTextFrame("New one. ")])
        await recorder.wait_for(lambda: len(audio(recorder.frames)) == 2)
        assert tts.closed == 1  # the interrupted generator was closed, not left hanging
    assert tts.requests == ["First sentence.", "New one."]
    assert [a.audio[0] for a in audio(recorder.frames)] == [1, 1]
    started = [f for f in recorder.frames if isinstance(f, TTSStartedFrame)]
    assert len(started) == 2 and started[0].context_id != started[1].context_id


class HookedTTS(GatedTTS):
    """Records the context hooks it gets; speaks like GatedTTS, or whole sentences if ``gated`` is false."""

    def __init__(self, gated: bool = True) -> None:
        super().__init__()
        self.gated = gated
        self.hooks: list[tuple[str, str]] = []

    async def run_tts(self, text, context_id):
        if self.gated:
            async for chunk in super().run_tts(text, context_id):
                yield chunk
        else:
            yield b"\x01\x00" * 10

    async def on_context_finished(self, context_id: str) -> None:
        self.hooks.append(("finished", context_id))

    async def on_context_interrupted(self, context_id: str) -> None:
        self.hooks.append(("interrupted", context_id))


async def test_context_hooks_at_the_end_of_each_context():
    tts = HookedTTS(gated=False)
    recorder = await run(tts, [*llm_response(*TWO_SENTENCES), TTSSpeakFrame(text="Alone.")])
    stopped = [f.context_id for f in recorder.frames if isinstance(f, TTSStoppedFrame)]
    assert len(stopped) == 2
    assert tts.hooks == [("finished", stopped[0]), ("finished", stopped[1])]


async def test_context_hook_on_interruption():
    tts = HookedTTS()
    recorder = FrameRecorder()
    task = bare_task([tts, recorder])
    async with running(task):
        await task.queue_frames([LLMFullResponseStartFrame(), LLMTextFrame("First sentence. Half a")])
        await recorder.wait_for(lambda: recorder.of(TTSAudioRawFrame))
        await task.queue_frame(InterruptionFrame())
        await recorder.wait_for(lambda: recorder.of(InterruptionFrame))
        # No context is open now: a second interruption calls no hook.
        await task.queue_frame(InterruptionFrame())
        await recorder.wait_for(lambda: len(recorder.of(InterruptionFrame)) == 2)
    [started] = recorder.of(TTSStartedFrame)
    assert tts.hooks == [("interrupted", started.context_id)]


async def test_speak_frame_not_for_context_marks_its_text_frames():
    recorder = await run(
        ScriptedTTS("timed"),
        [TTSSpeakFrame(text="Not stored."), *llm_response("Stored.")],
    )
    texts = [f for f in recorder.frames if isinstance(f, AggregatedTextFrame)]
    assert [(f.text, f.append_to_context) for f in texts] == [
        ("Not stored.", False),
        ("Not", False),
        ("stored.", False),
        ("Stored.", True),
        ("Stored.", True),
    ]
