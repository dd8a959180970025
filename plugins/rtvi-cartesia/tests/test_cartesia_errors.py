"""Every provider failure is a clear, non-fatal error and the next sentence is spoken.

The server is the fake Cartesia WebSocket on 127.0.0.1 with a fault queued (see
``cartesia_fake``); each test speaks a sentence that fails, then one that must work,
in one pipeline run. The service connects once at start and again on the first
sentence when that failed: an upgrade fault is queued for both.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import anyio
import pytest
from cartesia_fake import FakeCartesia, Inject, Refuse, error_event, event, fake_cartesia
from rtvi_cartesia import CartesiaTTSService

from rtvi_core.frames import TTSAudioRawFrame, TTSSpeakFrame, TTSStartedFrame
from rtvi_core.testing import run_bot
from rtvi_core.testing.contracts.tts import Spoken, TTSContract

pytestmark = pytest.mark.anyio

FIRST = "The first sentence fails."
SECOND = "The second one is spoken."
KEY_HINT = "set a valid key in the environment variable CARTESIA_API_KEY (or [tts] api_key)"


def service(url: str, **options: object) -> CartesiaTTSService:
    return CartesiaTTSService(base_url=url, name="cartesia", **options)  # type: ignore[arg-type]


async def two_sentences(tts: CartesiaTTSService) -> Spoken:
    """Speak FIRST then SECOND as two contexts of one run."""
    return await TTSContract().speak(tts, TTSSpeakFrame(text=FIRST), TTSSpeakFrame(text=SECOND))


def assert_recovered(spoken: Spoken, expected: str) -> None:
    """Exactly one non-fatal error, worded as ``expected``, and SECOND was spoken."""
    assert spoken.errors == [f"cartesia TTS error: {expected}"]
    second = spoken.recorder.of(TTSStartedFrame)[-1].context_id
    assert any(f.context_id == second for f in spoken.recorder.of(TTSAudioRawFrame))
    words = [f.text for f in spoken.text_frames if f.context_id == second]
    assert " ".join(words) == SECOND


UPGRADE_FAULTS = {
    "401": (
        Refuse(401, json.dumps({"message": "Invalid API key"})),
        f"Cartesia rejected the API key (HTTP 401): Invalid API key; {KEY_HINT}",
    ),
    "402 out of credits": (
        Refuse(402, json.dumps({"error": "Insufficient credits"})),
        "Cartesia refused the request: the account is out of credits (HTTP 402): Insufficient credits; "
        "add credits to the Cartesia account",
    ),
    "429 with retry-after": (
        Refuse(429, json.dumps({"message": "Concurrency limit exceeded"}), {"Retry-After": "17"}),
        "Cartesia rate limit reached (HTTP 429; retry after 17 s): Concurrency limit exceeded; "
        "wait, or raise the account's concurrency limit",
    ),
    "500": (
        Refuse(500, json.dumps({"error": "Internal server error"})),
        "Cartesia had a server error (HTTP 500): Internal server error; try again in a moment",
    ),
    "503 from a proxy, in HTML": (
        Refuse(503, "<html><body>Service Unavailable</body></html>"),
        "Cartesia had a server error (HTTP 503): <html><body>Service Unavailable</body></html>; try again in a moment",
    ),
}


@pytest.mark.parametrize("case", list(UPGRADE_FAULTS))
async def test_upgrade_refused(fake: FakeCartesia, case: str) -> None:
    fault, message = UPGRADE_FAULTS[case]
    fake.fail(fault, fault)
    spoken = await two_sentences(service(fake.url))
    assert_recovered(spoken, message)
    assert len(fake.handshakes) == 3 and fake.connections == 1


STREAM_FAULTS = {
    "error event": (
        Inject(2, [error_event("{context_id}", 500, "Internal error", "generation failed")], then="stop"),
        "Cartesia had a server error (error event, status 500): Internal error: generation failed; "
        "try again in a moment",
    ),
    "error event for the connection": (
        Inject(0, [error_event(None, 429, "Rate limited", "too many requests")], then="stop"),
        "Cartesia rate limit reached (error event, status 429): Rate limited: too many requests; "
        "wait, or raise the account's concurrency limit",
    ),
    "not JSON": (
        Inject(1, ["{not json"], then="stop"),
        "Cartesia sent a malformed event: a message is not JSON: '{not json'",
    ),
    "JSON but no object": (
        Inject(1, ["[1, 2]"], then="stop"),
        "Cartesia sent a malformed event: a message is not a JSON object: '[1, 2]'",
    ),
    "no type": (
        Inject(1, ['{"context_id": "{context_id}", "data": "AAAA"}'], then="stop"),
        'Cartesia sent a malformed event: a message has no type: \'{"context_id": ',
    ),
    "binary message": (
        Inject(1, [b"\x00\x01\x02\x03"], then="stop"),
        "Cartesia sent a malformed event: a binary message (4 bytes) where JSON text belongs",
    ),
    "audio not base64": (
        Inject(1, [event("chunk", "{context_id}", data="!!not base64!!")], then="stop"),
        "Cartesia sent a malformed event: a chunk event's data is not valid base64: '!!not base64!!'",
    ),
    "audio of the wrong type": (
        Inject(1, [event("chunk", "{context_id}", data=12)], then="stop"),
        "Cartesia sent a malformed event: a chunk event's data is not a base64 string: '12'",
    ),
    "context_id of the wrong type": (
        Inject(1, ['{"type": "chunk", "context_id": 7, "data": "AAAA"}'], then="stop"),
        "Cartesia sent a malformed event: a chunk event's context_id is not a string: 7",
    ),
    "start times as strings": (
        Inject(
            1,
            [event("timestamps", "{context_id}", word_timestamps={"words": ["a"], "start": ["0.1"], "end": [0.2]})],
            then="stop",
        ),
        "Cartesia sent a malformed event: a timestamps event has a bad word or start time: 'a' at '0.1'",
    ),
    "words and start times of different lengths": (
        Inject(
            1,
            [event("timestamps", "{context_id}", word_timestamps={"words": ["a", "b"], "start": [0.1], "end": [0.2]})],
            then="stop",
        ),
        "Cartesia sent a malformed event: a timestamps event's words and start are not lists of the same length",
    ),
    "connection closed mid-sentence": (
        Inject(3, then="close"),
        "Cartesia closed the connection to {url}/tts/websocket (code 1011: internal error); the next sentence reconnects",
    ),
}


@pytest.mark.parametrize("case", list(STREAM_FAULTS))
async def test_stream_fault(fake: FakeCartesia, case: str) -> None:
    fault, message = STREAM_FAULTS[case]
    fake.fail(fault)
    spoken = await two_sentences(service(fake.url))
    expected = message.replace("{url}", fake.url)
    if case == "no type":  # the excerpt holds the generated context id
        assert len(spoken.errors) == 1 and spoken.errors[0].startswith(f"cartesia TTS error: {expected}")
        spoken.errors = [f"cartesia TTS error: {expected}"]
    assert_recovered(spoken, expected)
    if case != "connection closed mid-sentence":
        # The failed context is cancelled at Cartesia; the socket is kept.
        first = fake.received[0]["context_id"]
        assert first in fake.cancelled and fake.connections == 1
    else:
        assert fake.connections == 2


@pytest.mark.parametrize(
    "stray",
    [
        event("phoneme_timestamps", "{context_id}", phoneme_timestamps={"phonemes": ["h"], "start": [0], "end": [1]}),
        event("a_type_added_later", "{context_id}"),
        event("timestamps", "nobody-s-context", word_timestamps={"words": ["x"], "start": [0.0], "end": [0.1]}),
        event("chunk", "nobody-s-context", data="AAAA"),
        event("done", "nobody-s-context"),
        error_event("nobody-s-context", 400, "Invalid request", "context nobody-s-context is closed"),
    ],
    ids=[
        "phoneme timestamps",
        "unknown type",
        "timestamps for an unknown context",
        "audio for another",
        "done for another",
        "error for a closed context",
    ],
)
async def test_events_to_ignore_do_no_harm(fake: FakeCartesia, stray: str) -> None:
    fake.fail(Inject(2, [stray]))
    spoken = await two_sentences(service(fake.url))
    assert not spoken.errors
    assert " ".join(f.text for f in spoken.text_frames) == f"{FIRST} {SECOND}"


async def test_a_server_that_never_answers(fake: FakeCartesia) -> None:
    fake.fail(Inject(0, then="stop"))
    spoken = await two_sentences(service(fake.url, timeout_secs=0.3))
    assert_recovered(
        spoken,
        f"Cartesia: {fake.url}/tts/websocket sent nothing for 0.3 s (timeout_secs); "
        "the sentence is skipped, the next one tries again",
    )
    assert fake.received[0]["context_id"] in fake.cancelled


async def test_a_request_cartesia_refuses(fake: FakeCartesia) -> None:
    spoken = await TTSContract().speak(service(fake.url, model="whisper-1"), TTSSpeakFrame(text=FIRST))
    assert spoken.errors == [
        "cartesia TTS error: Cartesia refused the request (error event, status 400): Invalid request: "
        "Invalid model: 'whisper-1' is not a valid model ID; check the bot file's tts settings (voice, model, language)"
    ]
    assert not spoken.audio_frames


async def test_wrong_key_against_a_server_that_checks_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARTESIA_API_KEY", "sk_car_wrong")
    async with fake_cartesia(api_key="sk_car_right") as server:
        spoken = await TTSContract().speak(service(server.url), TTSSpeakFrame(text=FIRST))
        assert server.handshakes[0].headers["X-API-Key"] == "sk_car_wrong"
    assert spoken.errors == [
        f"cartesia TTS error: Cartesia rejected the API key (HTTP 401): Invalid API key; {KEY_HINT}"
    ]


async def test_missing_api_key_for_the_public_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CARTESIA_API_KEY", raising=False)
    spoken = await TTSContract().speak(CartesiaTTSService(name="cartesia"), TTSSpeakFrame(text=FIRST))
    assert spoken.errors == [
        "cartesia TTS error: Cartesia: no API key for wss://api.cartesia.ai: set the environment variable "
        "CARTESIA_API_KEY (or [tts] api_key)"
    ]


async def test_nothing_listening() -> None:
    with anyio.fail_after(5):
        listener = await anyio.create_tcp_listener(local_host="127.0.0.1")
        port = listener.extra(anyio.abc.SocketAttribute.local_port)
        await listener.aclose()  # the port is free now: connecting is refused
    spoken = await TTSContract().speak(service(f"ws://127.0.0.1:{port}"), TTSSpeakFrame(text=FIRST))
    assert len(spoken.errors) == 1
    assert spoken.errors[0].startswith(
        f"cartesia TTS error: Cartesia: cannot reach ws://127.0.0.1:{port}/tts/websocket: "
    )


@pytest.fixture
async def mute_server() -> AsyncIterator[str]:
    """A TCP server that accepts connections and never answers the upgrade."""
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1")
    port = listener.extra(anyio.abc.SocketAttribute.local_port)

    async def hold(stream: anyio.abc.SocketStream) -> None:
        async with stream:
            await anyio.sleep_forever()

    async with listener, anyio.create_task_group() as group:
        group.start_soon(listener.serve, hold)
        yield f"ws://127.0.0.1:{port}"
        group.cancel_scope.cancel()


async def test_an_upgrade_that_never_completes(mute_server: str) -> None:
    spoken = await TTSContract().speak(service(mute_server, timeout_secs=0.3), TTSSpeakFrame(text=FIRST))
    assert spoken.errors == [
        f"cartesia TTS error: Cartesia: {mute_server}/tts/websocket did not accept the connection "
        "within 0.3 s (timeout_secs)"
    ]


async def test_the_rtvi_client_gets_the_error_and_the_next_turn_speaks(fake: FakeCartesia) -> None:
    fake.fail(Inject(2, then="close"))
    async with run_bot(tts=service(fake.url)) as bot:
        await bot.ready()
        await bot.task.queue_frame(TTSSpeakFrame(text=FIRST))
        error = await bot.client.wait_for_message("error", timeout=10)
        await bot.task.queue_frame(TTSSpeakFrame(text=SECOND))
        await bot.client.wait_for_message(
            "bot-output",
            timeout=10,
            predicate=lambda m: m["data"]["text"] == SECOND and m["data"].get("spoken_status") == "completed",
        )
        assert not bot.client.closed and not bot.task.has_finished()
    assert error["data"]["fatal"] is False
    assert error["data"]["error"] == (
        f"cartesia TTS error: Cartesia closed the connection to {fake.url}/tts/websocket (code 1011: internal error); "
        "the next sentence reconnects"
    )
