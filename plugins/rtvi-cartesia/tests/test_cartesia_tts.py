"""What the service sends Cartesia: one socket per session, one context per bot turn,
sentences streamed with ``continue``/flush, the context closed at the turn's end and
cancelled on interruption, and the bot file's voice options."""

from __future__ import annotations

import pytest
from cartesia_fake import FakeCartesia, Inject, event, fake_cartesia
from rtvi_cartesia import CartesiaTTSService

from rtvi_core.direction import FrameDirection
from rtvi_core.frames import (
    ErrorFrame,
    InterruptionFrame,
    TTSAudioRawFrame,
    TTSSpeakFrame,
    TTSStoppedFrame,
    TTSTextFrame,
)
from rtvi_core.testing import run_bot
from rtvi_core.testing.contracts.tts import TTSContract
from rtvi_core.testing.running import eventually, running

pytestmark = pytest.mark.anyio

contract = TTSContract()


def generations(fake: FakeCartesia) -> list[dict[str, object]]:
    return [m for m in fake.received if "cancel" not in m]


async def test_a_turn_is_one_context_sentence_by_sentence(fake: FakeCartesia) -> None:
    spoken = await contract.speak(
        CartesiaTTSService(base_url=fake.url), *contract.llm_response("Hello there. ", "How are you today?")
    )
    assert not spoken.errors
    sent = [(m["transcript"], m["continue"], m.get("flush", False)) for m in generations(fake)]
    assert sent == [
        ("Hello there. ", True, False),
        ("", True, True),
        ("How are you today? ", True, False),
        ("", True, True),
        ("", False, False),  # the turn's end closes the context
    ]
    assert len({m["context_id"] for m in fake.received}) == 1
    assert not fake.cancelled


async def test_turns_share_one_socket(fake: FakeCartesia) -> None:
    turns = [frame for text in ("One.", "Two.", "Three.") for frame in contract.llm_response(text)]
    spoken = await contract.speak(CartesiaTTSService(base_url=fake.url), *turns)
    assert not spoken.errors and len(spoken.recorder.of(TTSStoppedFrame)) == 3
    assert fake.connections == 1
    assert len({m["context_id"] for m in fake.received}) == 3


async def test_interruption_cancels_the_context_at_cartesia(fake: FakeCartesia) -> None:
    tts = CartesiaTTSService(base_url=fake.url)
    task, recorder, errors = contract.task_for(tts)
    async with running(task):
        await task.queue_frame(TTSSpeakFrame(text=contract.long_text))
        await recorder.wait_for(lambda: recorder.of(TTSAudioRawFrame), 10)
        await task.queue_frame(InterruptionFrame())
        await eventually(lambda: fake.cancelled, 10)
        await task.queue_frame(TTSSpeakFrame(text="Okay."))
        await recorder.wait_for(lambda: recorder.of(TTSStoppedFrame), 10)
    interrupted = fake.received[0]["context_id"]
    assert fake.cancelled == [interrupted]
    # Nothing more was sent on the cancelled context; the next turn got its own on the same socket.
    after = fake.received[fake.received.index({"context_id": interrupted, "cancel": True}) + 1 :]
    assert after and all(m["context_id"] != interrupted for m in after)
    assert fake.connections == 1 and not errors.of(ErrorFrame, FrameDirection.UPSTREAM)


async def test_voice_options_are_sent(fake: FakeCartesia, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARTESIA_API_KEY", "sk_car_test")
    tts = CartesiaTTSService(
        base_url=fake.url, voice="my-voice", model="sonic-2", language="fr", speed=1.2, cartesia_version="2026-03-01"
    )
    spoken = await contract.speak(tts, TTSSpeakFrame(text="Bonjour tout le monde."), sample_rate=16000)
    contract.assert_spoke(spoken, "Bonjour tout le monde.")
    first = generations(fake)[0]
    assert first["voice"] == {"mode": "id", "id": "my-voice"}
    assert first["model_id"] == "sonic-2" and first["language"] == "fr"
    assert first["generation_config"] == {"speed": 1.2}
    assert first["output_format"] == {"container": "raw", "encoding": "pcm_s16le", "sample_rate": 16000}
    assert first["add_timestamps"] is True
    headers = fake.handshakes[0].headers
    assert headers["Cartesia-Version"] == "2026-03-01" and headers["X-API-Key"] == "sk_car_test"
    assert "sk_car_test" not in fake.handshakes[0].path


async def test_a_rate_cartesia_does_not_offer_stops_the_run(fake: FakeCartesia) -> None:
    spoken = await contract.speak(CartesiaTTSService(base_url=fake.url), TTSSpeakFrame(text="Hi."), sample_rate=32000)
    assert len(spoken.errors) == 1
    assert "Cartesia sends audio at 8000, 16000, 22050, 24000, 44100, 48000 Hz, not 32000" in spoken.errors[0]
    assert not fake.received


async def test_a_socket_dropped_between_turns_is_reopened_quietly(fake: FakeCartesia) -> None:
    tts = CartesiaTTSService(base_url=fake.url)
    task, recorder, errors = contract.task_for(tts)
    async with running(task):
        await task.queue_frames(contract.llm_response("One."))
        await recorder.wait_for(lambda: recorder.of(TTSStoppedFrame), 10)
        await fake.drop()
        await task.queue_frames(contract.llm_response("Two."))
        await recorder.wait_for(lambda: len(recorder.of(TTSStoppedFrame)) == 2, 10)
    assert not errors.of(ErrorFrame, FrameDirection.UPSTREAM)
    assert [f.text for f in recorder.of(TTSTextFrame)] == ["One.", "Two."]
    assert fake.connections == 2


async def test_a_context_cartesia_ends_early_is_replaced(fake: FakeCartesia) -> None:
    fake.fail(Inject(2, [event("done", "{context_id}")], then="stop"))
    spoken = await contract.speak(
        CartesiaTTSService(base_url=fake.url), *contract.llm_response("Hello there. ", "How are you today?")
    )
    assert not spoken.errors
    assert [f.text for f in spoken.text_frames][-4:] == ["How", "are", "you", "today?"]
    _, second = dict.fromkeys(m["context_id"] for m in fake.received)
    assert [m["transcript"] for m in fake.requests_for(second)] == ["How are you today? ", "", ""]


class _TimedContract(TTSContract):
    supports_word_timestamps = True


async def test_word_times_restarted_at_each_flush_are_read_too() -> None:
    async with fake_cartesia(times_per_flush=True) as server:
        tts = CartesiaTTSService(base_url=server.url)
        await _TimedContract().test_words_of_every_sentence_are_timed_over_its_own_audio(tts)


async def test_the_socket_is_closed_when_the_run_ends(fake: FakeCartesia) -> None:
    await contract.speak(CartesiaTTSService(base_url=fake.url), TTSSpeakFrame(text="Hi there."))
    await eventually(lambda: not fake.open_sockets, 5)
    await contract.cancel_mid_speech(CartesiaTTSService(base_url=fake.url))  # the reader is cancelled
    await eventually(lambda: not fake.open_sockets, 5)
    assert fake.connections == 2


async def test_bot_output_shows_word_progress(fake: FakeCartesia) -> None:
    sentence = "The weather in Paris is sunny."
    async with run_bot(tts=CartesiaTTSService(base_url=fake.url)) as bot:
        await bot.ready()
        await bot.task.queue_frame(TTSSpeakFrame(text=sentence))
        await bot.client.wait_for_message(
            "bot-output", timeout=10, predicate=lambda m: m["data"].get("spoken_status") == "completed"
        )
    outputs = [m["data"] for m in bot.client.messages_of("bot-output")]
    assert [o["spoken_status"] for o in outputs] == ["new"] + ["in-progress"] * 5 + ["completed"]
    assert [o["spoken_progress"]["accumulated_text"] for o in outputs[1:]] == [
        " ".join(sentence.split()[:n]) for n in range(1, 7)
    ]
