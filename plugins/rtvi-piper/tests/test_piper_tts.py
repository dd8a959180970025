"""PiperTTSService with the real joe voice: audio, streaming, word events, interruption, errors."""

from array import array

import anyio
import pytest
from rtvi_piper import PiperTTSService

from rtvi_core.direction import FrameDirection
from rtvi_core.frames import (
    AggregatedTextFrame,
    ErrorFrame,
    Frame,
    InterruptionFrame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    LLMTextFrame,
    TTSAudioRawFrame,
    TTSSpeakFrame,
    TTSTextFrame,
)
from rtvi_core.testing import FrameRecorder, run_bot, running
from rtvi_core.testing.contracts.tts import TTSContract

pytestmark = pytest.mark.anyio

SENTENCE = "The weather in Paris is sunny today."
#: About 20 s of speech in one sentence: Piper needs a good part of a second for it.
LONG_SENTENCE = " ".join(["and then the little robot walked a bit further along the road"] * 6)
#: The contract suite's pipeline helpers (``errors → tts → recorder``, 24 kHz by default).
KIT = TTSContract()
TIMEOUT = KIT.timeout


async def speak(tts: PiperTTSService, *frames: Frame, rate: int = 24000) -> FrameRecorder:
    spoken = await KIT.speak(tts, *frames, sample_rate=rate)
    assert not spoken.errors, spoken.errors
    return spoken.recorder


def audio_of(recorder: FrameRecorder) -> bytes:
    return b"".join(f.audio for f in recorder.of(TTSAudioRawFrame))


async def test_a_sentence_becomes_speech_at_the_requested_rate():
    recorder = await speak(PiperTTSService(), TTSSpeakFrame(text=SENTENCE), rate=24000)
    assert {(f.sample_rate, f.num_channels) for f in recorder.of(TTSAudioRawFrame)} == {(24000, 1)}
    samples = array("h", audio_of(recorder))
    seconds = len(samples) / 24000
    print(f"'{SENTENCE}': {seconds:.2f} s of audio at 24 kHz")
    assert 1.2 < seconds < 4.0  # 7 words; joe speaks them in about 2.1 s
    assert max(map(abs, samples)) > 20000  # piper normalizes each sentence to full scale
    loud = sum(1 for s in samples if abs(s) > 1000)
    assert loud > len(samples) // 4  # speech throughout, not a click in silence


async def test_the_service_sample_rate_overrides_the_run():
    recorder = await speak(PiperTTSService(sample_rate=16000), TTSSpeakFrame(text=SENTENCE), rate=24000)
    assert {f.sample_rate for f in recorder.of(TTSAudioRawFrame)} == {16000}


async def test_length_scale_slows_the_voice_down():
    normal = len(audio_of(await speak(PiperTTSService(), TTSSpeakFrame(text=SENTENCE))))
    slow = len(audio_of(await speak(PiperTTSService(length_scale=2.0), TTSSpeakFrame(text=SENTENCE))))
    assert 1.5 < slow / normal < 2.6


async def test_first_sentence_is_heard_before_the_second_is_written():
    task, recorder, errors = KIT.task_for(PiperTTSService())
    async with running(task):
        await task.queue_frames([LLMFullResponseStartFrame(), LLMTextFrame(text="Hello there. ")])
        await recorder.wait_for(lambda: recorder.of(TTSAudioRawFrame), TIMEOUT)
        # Only now does the LLM "write" the second sentence.
        await task.queue_frames([LLMTextFrame(text="How are you today?"), LLMFullResponseEndFrame()])
        await recorder.wait_for(lambda: recorder.of(LLMFullResponseEndFrame), TIMEOUT)
    words = recorder.texts(TTSTextFrame)
    assert words == ["Hello", "there.", "How", "are", "you", "today?"]
    segments = [f.text for f in recorder.of(AggregatedTextFrame) if type(f) is AggregatedTextFrame]
    assert segments == ["Hello there.", "How are you today?"]
    assert not errors.of(ErrorFrame, FrameDirection.UPSTREAM)


async def test_words_are_timed_inside_the_sentence_audio():
    recorder = await speak(PiperTTSService(), TTSSpeakFrame(text=SENTENCE))
    starts, position = [], 0
    for frame in recorder.of((TTSTextFrame, TTSAudioRawFrame)):
        if isinstance(frame, TTSTextFrame):
            starts.append(position / 48000)
        else:
            position += len(frame.audio)
    print("word starts (s):", [round(s, 2) for s in starts], f"of {position / 48000:.2f} s")
    assert len(starts) == 7 and starts == sorted(starts)
    assert len(set(starts)) == 7  # every word at its own place
    assert starts[-1] < position / 48000 - 0.2  # the last word still has audio after it


async def test_word_progress_reaches_the_rtvi_client():
    async with run_bot(tts=PiperTTSService()) as bot:
        await bot.ready()
        await bot.task.queue_frame(TTSSpeakFrame(text=SENTENCE))
        await bot.client.wait_for_message(
            "bot-output", TIMEOUT, lambda m: m["data"].get("spoken_status") == "completed"
        )
    client = bot.client
    assert [m["data"]["text"] for m in client.messages_of("bot-tts-text")] == SENTENCE.split()
    progress = [
        m["data"]["spoken_progress"]["accumulated_text"]
        for m in client.messages_of("bot-output")
        if m["data"]["spoken_status"] != "new"
    ]
    assert progress[0] == "The" and progress[-1] == SENTENCE
    assert len(progress) == 7
    assert sum(map(len, client.audio)) > 0


async def test_sentence_mode_without_word_timestamps():
    async with run_bot(tts=PiperTTSService(word_timestamps=False)) as bot:
        await bot.ready()
        await bot.task.queue_frame(TTSSpeakFrame(text=SENTENCE))
        await bot.client.wait_for_message("bot-tts-text", TIMEOUT)
    outputs = [(m["data"]["spoken_status"], m["data"]["text"]) for m in bot.client.messages_of("bot-output")]
    assert outputs == [("new", SENTENCE), ("completed", SENTENCE)]
    assert [m["data"]["text"] for m in bot.client.messages_of("bot-tts-text")] == [SENTENCE]


async def test_interruption_during_synthesis_drops_that_sentence():
    task, recorder, errors = KIT.task_for(PiperTTSService())

    def context_of(word: str) -> str | None:
        return next((f.context_id for f in recorder.of(TTSTextFrame) if f.text == word), None)

    async with running(task):
        await task.queue_frame(TTSSpeakFrame(text=SENTENCE))  # loads the voice, warms up
        await recorder.wait_for(lambda: context_of("today."), TIMEOUT)
        await task.queue_frame(TTSSpeakFrame(text=LONG_SENTENCE))
        await recorder.wait_for(lambda: LONG_SENTENCE in recorder.texts(AggregatedTextFrame), TIMEOUT)
        await task.queue_frame(InterruptionFrame())  # Piper is busy with the long sentence
        await task.queue_frame(TTSSpeakFrame(text="Okay."))
        await recorder.wait_for(lambda: recorder.of(TTSAudioRawFrame)[-1].context_id == context_of("Okay."), TIMEOUT)
        # Not an assertion on time: lets the abandoned synthesis finish, so that
        # audio leaking from it would show below.
        await anyio.sleep(1.5)
    contexts = {f.context_id for f in recorder.of(TTSAudioRawFrame)}
    assert contexts == {context_of("today."), context_of("Okay.")}
    assert "and" not in recorder.texts(TTSTextFrame)
    assert not errors.of(ErrorFrame, FrameDirection.UPSTREAM)


async def test_punctuation_only_text_gives_no_audio_and_no_error():
    recorder = await speak(PiperTTSService(), TTSSpeakFrame(text="?! ..."), TTSSpeakFrame(text="—"))
    assert not recorder.of(TTSAudioRawFrame)


async def test_a_missing_voice_is_an_rtvi_error_and_the_bot_lives_on():
    async with run_bot(tts=PiperTTSService(voice="/nowhere/voice.onnx")) as bot:
        await bot.ready()
        error = await bot.client.wait_for_message("error", TIMEOUT)
        assert "voice file /nowhere/voice.onnx not found" in error["data"]["error"]
        assert error["data"]["fatal"] is False
        await bot.task.queue_frame(TTSSpeakFrame(text=SENTENCE))
        await bot.client.wait_for(lambda: len(bot.client.messages_of("error")) >= 2 or None, TIMEOUT)
        assert "is not loaded" in bot.client.messages_of("error")[1]["data"]["error"]
        assert not bot.task.has_finished()
        assert not bot.client.audio
