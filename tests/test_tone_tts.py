"""Tests for the built-in ToneTTSService (real PCM16 audio, word timings)."""

from __future__ import annotations

import tracemalloc
import zlib
from array import array
from typing import Any

import pytest
from support import bare_task, run_to_end

from rtvi_core.builtins.tone_tts import GAP_SECS, MAX_WORD_LETTERS, ToneTTSService, word_tone
from rtvi_core.frames import (
    AggregatedTextFrame,
    Frame,
    InterruptionFrame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    LLMTextFrame,
    TTSAudioRawFrame,
    TTSSpeakFrame,
    TTSTextFrame,
)
from rtvi_core.testing import FrameRecorder, running

pytestmark = pytest.mark.anyio


async def speak(tts: ToneTTSService, *frames: Frame, **params: Any) -> list[Frame]:
    recorder = FrameRecorder()
    task = bare_task([tts, recorder], **params)
    await run_to_end(task, frames)
    return recorder.frames


def audio_of(frames: list[Frame]) -> bytes:
    return b"".join(f.audio for f in frames if isinstance(f, TTSAudioRawFrame))


def test_word_tone_length_is_proportional_to_letters():
    rate = 24000
    lengths = {word: len(word_tone(word, rate)) for word in ("a", "ab", "abcd", "abcdef", "ab,!")}
    # 60 ms + 45 ms per letter, plus the gap; 2 bytes per sample.
    assert lengths["a"] == 2 * round((0.060 + 0.045) * rate) + 2 * round(GAP_SECS * rate)
    assert lengths["abcd"] - lengths["ab"] == lengths["abcdef"] - lengths["abcd"] == 2 * 2 * 1080
    assert lengths["ab,!"] == len(word_tone("ab", rate))  # punctuation takes no time
    assert all(n % 2 == 0 for n in lengths.values())


def test_word_tone_is_real_faded_audio():
    rate = 16000
    pcm = array("h", word_tone("hello", rate))
    tone = round((0.060 + 0.045 * 5) * rate)
    assert max(abs(s) for s in pcm[:tone]) > 5000  # audible
    assert abs(pcm[0]) < 200 and abs(pcm[tone - 1]) < 200  # faded in and out
    assert not any(pcm[tone:])  # silent gap
    assert word_tone("hello", rate) == word_tone("hello", rate)
    assert word_tone("hello", rate) != word_tone("world", rate)  # a different pitch


def test_a_word_sounds_at_most_as_long_as_a_24_letter_word():
    assert len(word_tone("a" * 8000, 24000)) == len(word_tone("b" * MAX_WORD_LETTERS, 24000))
    assert len(word_tone("a" * (MAX_WORD_LETTERS - 1), 24000)) < len(word_tone("a" * MAX_WORD_LETTERS, 24000))


def test_making_a_tone_allocates_little_more_than_the_tone():
    tracemalloc.start()
    try:
        pcm = word_tone("x" * 4000, 48000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * len(pcm) + 256 * 1024  # the tone, its 100 ms tile, the cache entry


def test_two_octaves_of_distinct_pitches_at_every_rate():
    for rate in (8000, 16000, 24000, 48000):
        tones = {word_tone(word, rate) for word in ("one", "two", "six", "ten", "red", "sky", "cat", "dog")}
        assert len(tones) == len(
            {zlib.crc32(w.encode()) % 24 for w in ("one", "two", "six", "ten", "red", "sky", "cat", "dog")}
        )


async def test_word_mode_words_precede_their_audio():
    frames = await speak(ToneTTSService(), TTSSpeakFrame(text="Hello big world."))
    rate = 24000
    words = ["Hello", "big", "world."]
    interesting = [f for f in frames if isinstance(f, (TTSTextFrame, TTSAudioRawFrame))]
    for word in words:
        at = next(i for i, f in enumerate(interesting) if getattr(f, "text", None) == word)
        assert isinstance(interesting[at + 1], TTSAudioRawFrame)
    assert audio_of(frames) == b"".join(word_tone(w, rate) for w in words)
    # Each word frame sits exactly at its word's start in the audio.
    offsets, position = [], 0
    for f in interesting:
        if isinstance(f, TTSTextFrame):
            offsets.append(position)
        else:
            position += len(f.audio)
    expected, position = [], 0
    for w in words:
        expected.append(position)
        position += len(word_tone(w, rate))
    assert offsets == expected


async def test_sentence_mode_and_sample_rate():
    frames = await speak(
        ToneTTSService(word_timestamps=False, sample_rate=16000),
        LLMFullResponseStartFrame(),
        LLMTextFrame("One two. "),
        LLMTextFrame("Three"),
        LLMFullResponseEndFrame(),
    )
    texts = [(f.aggregated_by, f.text) for f in frames if isinstance(f, TTSTextFrame)]
    assert texts == [("sentence", "One two."), ("sentence", "Three")]
    audio = [f for f in frames if isinstance(f, TTSAudioRawFrame)]
    assert {f.sample_rate for f in audio} == {16000}
    assert audio_of(frames) == b"".join(word_tone(w, 16000) for w in ("One", "two.", "Three"))
    # Sentence mode: the sentence's text follows its audio.
    shown = (AggregatedTextFrame, TTSAudioRawFrame)
    kinds = [type(f).__name__ for f in frames if isinstance(f, shown)]
    assert kinds == [
        "AggregatedTextFrame", "TTSAudioRawFrame", "TTSAudioRawFrame", "TTSTextFrame",
        "AggregatedTextFrame", "TTSAudioRawFrame", "TTSTextFrame",
    ]  # fmt: skip


async def test_output_rate_comes_from_the_run_and_output_is_deterministic():
    first, second = [
        await speak(ToneTTSService(), TTSSpeakFrame(text="Same text."), audio_out_sample_rate=8000) for _ in range(2)
    ]
    assert {f.sample_rate for f in first if isinstance(f, TTSAudioRawFrame)} == {8000}
    assert audio_of(first) == audio_of(second) != b""


async def test_realtime_generation_can_be_interrupted():
    tts = ToneTTSService(realtime_factor=1.0)
    recorder = FrameRecorder()
    task = bare_task([tts, recorder])
    words = "one two three four five six seven eight nine ten"
    async with running(task):
        await task.queue_frame(TTSSpeakFrame(text=words))
        await recorder.wait_for(lambda: recorder.of(TTSAudioRawFrame))
        await task.queue_frame(InterruptionFrame())
        await task.queue_frame(TTSSpeakFrame(text="ok"))
        await recorder.wait_for(lambda: any(isinstance(f, TTSTextFrame) and f.text == "ok" for f in recorder.frames))
    spoken = [f.text for f in recorder.frames if isinstance(f, TTSTextFrame)]
    assert spoken[0] == "one" and spoken[-1] == "ok"
    assert "ten" not in spoken
