"""What the service says on the wire: the upgrade, one context per turn, flush, close_context
at the turn's end and on an interruption, the keep-alive, one socket reused and reopened."""

from __future__ import annotations

import pytest
from elevenlabs_fake import API_KEY, FakeElevenLabs, Refuse
from rtvi_elevenlabs import ElevenLabsTTSService

from rtvi_core.frames import (
    InterruptionFrame,
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
from rtvi_core.testing.contracts.tts import TTSContract
from rtvi_core.testing.running import running

pytestmark = pytest.mark.anyio

CONTRACT = TTSContract()


def service(url: str, **options: object) -> ElevenLabsTTSService:
    return ElevenLabsTTSService(api_key=API_KEY, base_url=url, **options)  # type: ignore[arg-type]


def turn(*chunks: str) -> list[object]:
    return [LLMFullResponseStartFrame(), *(LLMTextFrame(text=c) for c in chunks), LLMFullResponseEndFrame()]


async def test_the_upgrade_names_voice_model_format_and_key(fake: FakeElevenLabs) -> None:
    tts = service(fake.url, voice_id="voice/1", model="eleven_turbo_v2_5", language="de")
    await CONTRACT.speak(tts, TTSSpeakFrame(text="Hallo Welt."), sample_rate=16000)
    [handshake] = fake.handshakes
    assert handshake.path == "/v1/text-to-speech/voice%2F1/multi-stream-input"
    assert handshake.query == {
        "model_id": "eleven_turbo_v2_5",
        "output_format": "pcm_16000",
        "sync_alignment": "true",
        "inactivity_timeout": "60",
        "language_code": "de",
    }
    assert handshake.headers["xi-api-key"] == API_KEY


async def test_one_context_per_turn_sentences_flushed_and_closed_at_the_turn_s_end(fake: FakeElevenLabs) -> None:
    tts = service(fake.url, speed=1.1, stability=0.4)
    spoken = await CONTRACT.speak(
        tts, *turn("Hello there. ", "How are you?"), *turn("Fine, thanks."), sample_rate=24000
    )
    assert not spoken.errors, spoken.errors
    contexts = [f.context_id for f in spoken.recorder.of(TTSStartedFrame)]
    assert len(contexts) == 2 and contexts == [f.context_id for f in spoken.recorder.of(TTSStoppedFrame)]
    first, second = contexts
    assert fake.received == [
        {"text": " ", "context_id": first, "voice_settings": {"speed": 1.1, "stability": 0.4}},
        {"text": "Hello there. ", "context_id": first, "flush": True},
        {"text": "How are you? ", "context_id": first, "flush": True},
        {"context_id": first, "close_context": True},
        {"text": " ", "context_id": second, "voice_settings": {"speed": 1.1, "stability": 0.4}},
        {"text": "Fine, thanks. ", "context_id": second, "flush": True},
        {"context_id": second, "close_context": True},
        {"close_socket": True},
    ]
    assert len(fake.handshakes) == 1  # one socket for the session


async def test_words_are_the_sentence_s_own_and_timed_by_the_alignment(fake: FakeElevenLabs) -> None:
    sentence = "Grüße aus Köln — naïve, but nice!"
    spoken = await CONTRACT.speak(service(fake.url), TTSSpeakFrame(text=sentence), sample_rate=24000)
    offsets, position = [], 0
    for frame in spoken.recorder.of((TTSTextFrame, TTSAudioRawFrame)):
        if isinstance(frame, TTSTextFrame):
            offsets.append((frame.text, position))
        else:
            position += len(frame.audio)
    word_bytes = int(0.2 * 24000) * 2  # the fake's tone per word
    assert offsets == [(word, n * word_bytes) for n, word in enumerate(sentence.split())]


async def test_punctuation_only_text_is_not_sent(fake: FakeElevenLabs) -> None:
    spoken = await CONTRACT.speak(service(fake.url), TTSSpeakFrame(text="..."), TTSSpeakFrame(text="?!"))
    assert not spoken.errors and not spoken.audio_frames
    assert fake.sent_texts() == [] and fake.handshakes == []


async def test_an_interruption_closes_the_context_at_elevenlabs(paced: FakeElevenLabs) -> None:
    task, recorder, errors = CONTRACT.task_for(service(paced.url))
    async with running(task):
        await task.queue_frame(TTSSpeakFrame(text=CONTRACT.long_text))
        await recorder.wait_for(lambda: recorder.of(TTSAudioRawFrame), 5)
        interrupted = recorder.of(TTSStartedFrame)[0].context_id
        await task.queue_frame(InterruptionFrame())
        await paced.wait_for(lambda: paced.closed_contexts)
        await task.queue_frame(TTSSpeakFrame(text="Okay."))
        await recorder.wait_for(lambda: recorder.of(TTSStoppedFrame), 5)
    assert paced.closed_contexts[0] == interrupted
    # The long text was cut: not all of its ten sentences were sent.
    sent = [m for m in paced.messages("flush") if m["context_id"] == interrupted]
    assert 1 <= len(sent) < 10
    assert not errors.frames


async def test_an_interruption_closes_every_open_context(paced: FakeElevenLabs) -> None:
    # A TTSSpeakFrame in the middle of a response is a context of its own, inside the turn's.
    task, recorder, _ = CONTRACT.task_for(service(paced.url))
    async with running(task):
        await task.queue_frames([LLMFullResponseStartFrame(), LLMTextFrame(text="Hello there. ")])
        await recorder.wait_for(lambda: recorder.of(TTSAudioRawFrame), 5)
        await task.queue_frame(TTSSpeakFrame(text=CONTRACT.long_text))
        await recorder.wait_for(lambda: len(recorder.of(TTSStartedFrame)) == 2, 5)
        await task.queue_frame(InterruptionFrame())
        await paced.wait_for(lambda: len(paced.closed_contexts) == 2)
    assert sorted(paced.closed_contexts) == sorted(f.context_id for f in recorder.of(TTSStartedFrame))


async def test_a_dropped_socket_is_reopened_for_the_next_turn(fake: FakeElevenLabs) -> None:
    task, recorder, errors = CONTRACT.task_for(service(fake.url))
    async with running(task):
        for n in (1, 2):
            await task.queue_frames(turn(f"Turn number {n}."))
            await recorder.wait_for(lambda n=n: len(recorder.of(TTSStoppedFrame)) == n, 5)
            await fake.drop_all()  # the network drops the idle socket
    assert not errors.frames
    assert len(fake.handshakes) == 2
    assert [m["text"] for m in fake.messages("flush")] == ["Turn number 1. ", "Turn number 2. "]


async def test_the_socket_is_kept_alive_while_idle(fake: FakeElevenLabs) -> None:
    # inactivity_timeout=1 (the bot file allows 5 and more): a keep-alive after a third of a second idle.
    task, recorder, _ = CONTRACT.task_for(service(fake.url, inactivity_timeout=1))
    async with running(task):
        await task.queue_frame(TTSSpeakFrame(text="Hello."))
        await recorder.wait_for(lambda: recorder.of(TTSStoppedFrame), 5)
        await fake.wait_for(lambda: {"text": ""} in fake.received)
    assert len(fake.handshakes) == 1


async def test_the_rtvi_client_reads_the_error_and_the_next_turn_is_spoken(fake: FakeElevenLabs) -> None:
    fake.fail(Refuse(429, "rate_limit_exceeded", "Too many requests"))
    async with run_bot(tts=service(fake.url)) as bot:
        await bot.ready()
        await bot.request("send-text", {"content": "first try"})
        error = await bot.client.wait_for_message("error", timeout=5)
        await bot.request("send-text", {"content": "second try"})
        await bot.client.wait_for_message(
            "bot-output", timeout=5, predicate=lambda m: m["data"].get("spoken_status") == "completed"
        )
    assert error["data"]["fatal"] is False
    assert "ElevenLabs rate or concurrency limit reached (HTTP 429)" in error["data"]["error"]
    words = [m["data"]["text"] for m in bot.client.messages_of("bot-tts-text")]
    assert " ".join(words) == "You said: second try"  # the first reply was not spoken
