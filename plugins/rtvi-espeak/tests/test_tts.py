"""Tests for EspeakTTSService in real pipelines, with the real library."""

from __future__ import annotations

import anyio
import pytest
from espeak_support import (
    NO_SYSTEM_LIBRARY,
    SYSTEM_LIBRARY,
    longest_silence,
    peak,
    speak,
    word_offsets,
    words,
)
from rtvi_espeak import EspeakTTSService

from rtvi_core.frames import (
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    LLMTextFrame,
    TTSAudioRawFrame,
    TTSSpeakFrame,
    TTSStartedFrame,
    TTSStoppedFrame,
    TTSTextFrame,
)
from rtvi_core.testing import run_bot

pytestmark = pytest.mark.anyio

SENTENCE = "The weather in Paris is sunny today."


async def test_a_sentence_becomes_audible_audio_at_the_run_rate():
    run = await speak(EspeakTTSService(), [TTSSpeakFrame(text=SENTENCE)])
    assert not run.errors
    frames = run.recorder.of(TTSAudioRawFrame)
    assert {(f.sample_rate, f.num_channels) for f in frames} == {(24000, 1)}
    assert all(len(f.audio) % 2 == 0 for f in frames)
    assert 1.2 < run.seconds < 4.0  # 7 words at 175 words per minute
    assert peak(run.audio) > 5000


async def test_word_timestamps_are_the_words_in_order_before_their_audio():
    run = await speak(EspeakTTSService(), [TTSSpeakFrame(text=SENTENCE)])
    assert words(run) == SENTENCE.split()
    offsets = [at for _, at in word_offsets(run)]
    assert offsets[0] == 0 and offsets == sorted(offsets) and len(set(offsets)) == len(offsets)
    # Each word's audio is sound, not the silence between words.
    audio = run.audio
    for (_, start), (_, end) in zip(word_offsets(run), word_offsets(run)[1:]):
        assert peak(audio[start:end]) > 2000


async def test_sentence_mode_rate_pitch_and_a_fixed_sample_rate():
    slow = await speak(
        EspeakTTSService(word_timestamps=False, rate=100, pitch=20, sample_rate=16000),
        [TTSSpeakFrame(text=SENTENCE)],
        sample_rate=16000,
    )
    fast = await speak(EspeakTTSService(rate=400), [TTSSpeakFrame(text=SENTENCE)])
    assert {f.sample_rate for f in slow.recorder.of(TTSAudioRawFrame)} == {16000}
    assert [(f.aggregated_by, f.text) for f in slow.recorder.of(TTSTextFrame)] == [("sentence", SENTENCE)]
    assert slow.seconds > 2 * fast.seconds


async def test_an_llm_response_is_spoken_sentence_by_sentence_at_22050_without_resampling():
    run = await speak(
        EspeakTTSService(voice="en-gb"),
        [
            LLMFullResponseStartFrame(),
            *(LLMTextFrame(text=t) for t in ["Hello there", ", nice to meet you.", " How are you?"]),
            LLMFullResponseEndFrame(),
        ],
        sample_rate=22050,
    )
    assert not run.errors
    assert words(run) == ["Hello", "there,", "nice", "to", "meet", "you.", "How", "are", "you?"]
    assert len(run.recorder.of(TTSStartedFrame)) == len(run.recorder.of(TTSStoppedFrame)) == 1
    assert {f.sample_rate for f in run.recorder.of(TTSAudioRawFrame)} == {22050}


async def test_two_sessions_speaking_at_once_each_get_their_own_audio():
    sessions = {
        "us": ("Good morning, this is the first session speaking. " * 3, {}),
        "fr": ("Bonjour, ici la deuxième session qui parle. " * 3, {"voice": "fr", "rate": 260}),
    }

    async def session(key: str, runs: dict) -> None:
        text, params = sessions[key]
        runs[key] = await speak(EspeakTTSService(**params), [TTSSpeakFrame(text=text)])

    alone: dict = {}
    for key in sessions:
        await session(key, alone)
    both: dict = {}
    async with anyio.create_task_group() as group:
        for key in sessions:
            group.start_soon(session, key, both)
    for key, (text, _) in sessions.items():
        assert not both[key].errors
        assert words(both[key]) == text.split() == words(alone[key])
        # espeak-ng's output varies by a few samples from call to call: compare lengths.
        assert both[key].seconds == pytest.approx(alone[key].seconds, rel=0.02)
        assert peak(both[key].audio) > 5000
    assert alone["fr"].seconds < alone["us"].seconds  # each kept its own voice and rate


async def test_many_sessions_at_once_all_finish():
    async def session(n: int) -> None:
        run = await speak(EspeakTTSService(), [TTSSpeakFrame(text=f"Session {n} says hello. Goodbye now.")])
        assert not run.errors and words(run)[:2] == ["Session", str(n)]
        finished.append(n)

    finished: list[int] = []
    async with anyio.create_task_group() as group:
        for n in range(12):
            group.start_soon(session, n)
    assert sorted(finished) == list(range(12))


@pytest.mark.parametrize("text", ["", "   ", "...", "?!", "— ;", "\x00\x01"])
async def test_empty_and_punctuation_only_text_do_no_harm(text):
    run = await speak(EspeakTTSService(), [TTSSpeakFrame(text=text), TTSSpeakFrame(text="Fine.")])
    assert not run.errors
    assert words(run)[-1] == "Fine." and run.seconds < 1.5


async def test_very_long_text_is_spoken_whole_in_short_calls():
    # One sentence of 1250 characters.
    text = " ".join(["and then the little robot walked a bit further along the road"] * 20)
    run = await speak(EspeakTTSService(), [TTSSpeakFrame(text=text)])
    assert not run.errors
    assert words(run) == text.split()
    offsets = [at for _, at in word_offsets(run)]
    assert offsets == sorted(offsets)
    assert run.seconds > 0.2 * len(text.split())
    assert longest_silence(run.audio, 24000) < 1.0


async def test_another_language_with_non_ascii_words():
    run = await speak(EspeakTTSService(voice="de"), [TTSSpeakFrame(text="Grüße aus Köln. Schönen Tag!")])
    assert not run.errors and run.peak > 5000
    assert words(run) == ["Grüße", "aus", "Köln.", "Schönen", "Tag!"]


async def test_markup_is_spoken_as_text_not_interpreted():
    text = "Hello <break time='5s'/> world <prosody rate='x-slow'>slowly</prosody> [[h@l'oU]]"
    run = await speak(EspeakTTSService(), [TTSSpeakFrame(text=text)])
    assert not run.errors
    assert words(run) == text.split()  # every token, tags included, has its place in time
    assert longest_silence(run.audio, 24000) < 1.0  # no 5 s break
    plain = await speak(EspeakTTSService(), [TTSSpeakFrame(text="Hello world slowly")])
    assert run.seconds > plain.seconds + 2  # the tag words were read out


async def test_an_unknown_voice_is_an_error_at_start_and_for_each_sentence():
    run = await speak(EspeakTTSService(voice="en-uss"), [TTSSpeakFrame(text="Hello.")])
    assert len(run.errors) == 2
    assert "cannot start: unknown espeak-ng voice 'en-uss'; did you mean 'en-us'" in run.errors[0]
    assert "python -m rtvi_espeak voices" in run.errors[0]
    assert "TTS error: espeak-ng is not available: unknown espeak-ng voice 'en-uss'" in run.errors[1]
    assert not run.recorder.of(TTSAudioRawFrame)


async def test_a_missing_library_is_reported_to_the_rtvi_client_and_the_bot_lives_on():
    tts = EspeakTTSService(library="/nowhere/libespeak-ng.so.1")
    async with run_bot(tts=tts) as bot:
        await bot.ready()
        await bot.request("send-text", {"content": "hello"})
        await bot.client.wait_for_message("bot-llm-stopped")
        await bot.client.wait_for(lambda: len(bot.client.messages_of("error")) >= 2)
        errors = [m["data"]["error"] for m in bot.client.messages_of("error")]
        assert not bot.task.has_finished()
    assert any("no espeak-ng library at '/nowhere/libespeak-ng.so.1'" in e for e in errors)
    assert all("pip install espeakng-loader" in e and "apt-get install libespeak-ng1" in e for e in errors)


@pytest.mark.skipif(SYSTEM_LIBRARY is None, reason=NO_SYSTEM_LIBRARY)
async def test_the_system_library_by_path():
    run = await speak(EspeakTTSService(library=SYSTEM_LIBRARY), [TTSSpeakFrame(text=SENTENCE)])
    assert not run.errors and words(run) == SENTENCE.split() and peak(run.audio) > 5000
