"""Every provider failure is a clear, non-fatal error, the next sentence is spoken, nothing hangs.

The server is the fake ElevenLabs WebSocket on 127.0.0.1 with a fault queued for the
first sentence (see ``elevenlabs_fake``); each test speaks two sentences in one run
and checks the first one's error and the second one's audio.
"""

from __future__ import annotations

import pytest
from elevenlabs_fake import (
    API_KEY,
    Drop,
    ErrorMessage,
    FakeElevenLabs,
    Fault,
    Raw,
    Refuse,
    Silent,
    Stall,
    Untimed,
    mute_server,
)
from rtvi_elevenlabs import ElevenLabsTTSService

from rtvi_core.frames import TTSSpeakFrame, TTSStartedFrame
from rtvi_core.testing.contracts.tts import Spoken, TTSContract

pytestmark = pytest.mark.anyio

FIRST = "The first sentence fails."
SECOND = "The second one is spoken."
KEY_HINT = "set a valid key in the environment variable ELEVENLABS_API_KEY (or [tts] api_key)"


async def speak_two(tts: ElevenLabsTTSService) -> Spoken:
    """Speak FIRST then SECOND, each as its own context, in one run."""
    return await TTSContract().speak(tts, TTSSpeakFrame(text=FIRST), TTSSpeakFrame(text=SECOND), timeout=10)


def second_context_audio(spoken: Spoken) -> int:
    second = spoken.recorder.of(TTSStartedFrame)[1].context_id
    return sum(len(f.audio) for f in spoken.audio_frames if f.context_id == second)


def service(url: str, **options: object) -> ElevenLabsTTSService:
    return ElevenLabsTTSService(api_key=API_KEY, base_url=url, **options)  # type: ignore[arg-type]


HANDSHAKE_FAULTS = {
    "401": (
        Refuse(401, "invalid_api_key", "Invalid API key"),
        "ElevenLabs rejected the API key (HTTP 401): Invalid API key; set a valid key in the [tts] api_key setting",
    ),
    "403": (
        Refuse(403, "missing_permissions", "The API key you used is missing the permission text_to_speech"),
        "ElevenLabs refused the request (HTTP 403): The API key you used is missing the permission "
        "text_to_speech; this key may not use this voice or model",
    ),
    "404 voice": (
        Refuse(404, "voice_not_found", "A voice with the voice_id nope was not found."),
        "ElevenLabs found no such voice or path (HTTP 404): A voice with the voice_id nope was not found.; "
        "check voice_id",
    ),
    "429 with retry-after": (
        Refuse(429, "too_many_concurrent_requests", "Too many concurrent requests", {"Retry-After": "3"}),
        "ElevenLabs rate or concurrency limit reached (HTTP 429; retry after 3 s): Too many concurrent "
        "requests; wait, or raise the account's limits",
    ),
    "500": (
        Refuse(500, "internal_error", "Internal server error"),
        "ElevenLabs had an internal error (HTTP 500): Internal server error; try again in a moment",
    ),
    "503": (
        Refuse(503, "service_unavailable", "Service unavailable"),
        "ElevenLabs had an internal error (HTTP 503): Service unavailable; try again in a moment",
    ),
}


@pytest.mark.parametrize("case", HANDSHAKE_FAULTS)
async def test_a_refused_upgrade_is_a_clear_error_and_the_next_sentence_is_spoken(
    fake: FakeElevenLabs, case: str
) -> None:
    fault, expected = HANDSHAKE_FAULTS[case]
    fake.fail(fault)
    spoken = await speak_two(service(fake.url))
    assert [error.split(" TTS error: ", 1)[1] for error in spoken.errors] == [expected]
    assert second_context_audio(spoken) > 0


async def test_a_wrong_key_from_the_environment_names_the_variable(
    fake: FakeElevenLabs, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ELEVENLABS_API_KEY", "wrong")
    spoken = await speak_two(ElevenLabsTTSService(base_url=fake.url))
    assert len(spoken.errors) == 2 and all(KEY_HINT in error for error in spoken.errors)
    assert fake.handshakes[0].headers["xi-api-key"] == "wrong"


STREAM_FAULTS: dict[str, tuple[Fault, str]] = {
    "error message": (
        ErrorMessage("quota_exceeded", "This request exceeds your quota of 10000."),
        "ElevenLabs reported an error (quota_exceeded): This request exceeds your quota of 10000.; "
        "the account's character quota is used up: raise it or wait for the next period",
    ),
    "malformed JSON": (Raw("{not json"), "ElevenLabs sent a malformed message (a message that is not JSON"),
    "not an object": (Raw("[1, 2]"), "ElevenLabs sent a malformed message (a message that is not a JSON object"),
    "binary frame": (Raw(b"\x00\x01"), "ElevenLabs sent a malformed message (a binary frame of 2 bytes"),
    "unknown shape": (Raw('{"hello": "there"}'), "a message with neither audio nor isFinal"),
    "audio not base64": (Raw('{"audio": "@@not base64@@"}'), "audio that is not valid base64: '@@not base64@@'"),
    "audio not a string": (Raw('{"audio": 12}'), "audio that is not a base64 string: 12"),
    "isFinal not a boolean": (Raw('{"isFinal": "yes"}'), "an isFinal that is not a boolean: 'yes'"),
    "contextId not a string": (Raw('{"audio": "", "contextId": 7}'), "a contextId that is not a string: 7"),
    "alignment lengths differ": (
        Raw('{"audio": "AAA=", "alignment": {"chars": ["a", "b"], "charStartTimesMs": [0]}}'),
        "an alignment with 2 chars but 1 start times",
    ),
    "alignment chars not strings": (
        Raw('{"audio": "AAA=", "alignment": {"chars": [1], "charStartTimesMs": [0]}}'),
        "alignment chars that are not a list of strings: [1]",
    ),
    "alignment times not numbers": (
        Raw('{"audio": "AAA=", "alignment": {"chars": ["a"], "charStartTimesMs": ["0"]}}'),
        "alignment charStartTimesMs that are not a list of numbers: ['0']",
    ),
    "alignment not an object": (
        Raw('{"audio": "AAA=", "alignment": "abc"}'),
        "an alignment that is not an object: 'abc'",
    ),
    "dropped mid-sentence": (Drop(after=2), "ElevenLabs closed the connection mid-sentence (no close code)"),
    "no answer in time": (
        Silent(),
        "ElevenLabs sent no audio for 0.5 s (timeout_secs); the sentence is skipped, the next one reconnects",
    ),
    "stalled mid-sentence": (
        Stall(after=2),
        "ElevenLabs stopped answering mid-sentence for 0.5 s (timeout_secs); the sentence is cut short, "
        "the next one reconnects",
    ),
    "audio set to null": (Raw('{"audio": null}'), "sent no audio for 0.5 s"),
}


@pytest.mark.parametrize("case", STREAM_FAULTS)
async def test_a_failed_stream_is_a_clear_error_and_the_next_sentence_is_spoken(
    fake: FakeElevenLabs, case: str
) -> None:
    fault, expected = STREAM_FAULTS[case]
    fake.fail(fault)
    spoken = await speak_two(service(fake.url, timeout_secs=0.5))
    assert len(spoken.errors) == 1, spoken.errors
    assert spoken.errors[0].startswith("ElevenLabsTTSService")
    assert expected in spoken.errors[0], spoken.errors[0]
    assert second_context_audio(spoken) > 0
    # A failed socket is closed: the second sentence came on a new one.
    assert len(fake.handshakes) == 2


async def test_an_error_message_closes_with_its_code(fake: FakeElevenLabs) -> None:
    fake.fail(ErrorMessage("max_active_conversations", "Maximum simultaneous contexts exceeded (5)."))
    spoken = await speak_two(service(fake.url))
    assert "too many open contexts on one socket; try again" in spoken.errors[0]


async def test_messages_for_an_unknown_context_are_skipped(fake: FakeElevenLabs) -> None:
    late_audio = Raw('{"audio": "AAAAAAAA", "contextId": "someone-else"}', then_answer=True)
    late_final = Raw('{"isFinal": true, "contextId": "someone-else"}', then_answer=True)
    fake.fail(late_audio, late_final)
    spoken = await speak_two(service(fake.url))
    assert not spoken.errors, spoken.errors
    # Each sentence got its own audio only: a 0.2 s tone per word at 24 kHz.
    words = len(FIRST.split()) + len(SECOND.split())
    assert len(spoken.audio) == words * int(0.2 * 24000) * 2


async def test_nothing_listening(fake: FakeElevenLabs) -> None:
    spoken = await speak_two(service("ws://127.0.0.1:9", timeout_secs=1))
    assert len(spoken.errors) == 2
    assert spoken.errors[0].endswith(
        "ElevenLabs: could not connect to ws://127.0.0.1:9/v1/text-to-speech/21m00Tcm4TlvDq8ikWAM/"
        "multi-stream-input (ConnectionRefusedError: [Errno 111] Connect call failed ('127.0.0.1', 9)); "
        "check base_url and the network"
    )


async def test_a_server_that_never_answers_the_upgrade() -> None:
    async with mute_server() as url:
        spoken = await TTSContract().speak(service(url, timeout_secs=0.5), TTSSpeakFrame(text=FIRST), timeout=10)
    assert len(spoken.errors) == 1
    assert "could not connect to" in spoken.errors[0] and "(no answer in time)" in spoken.errors[0]


async def test_no_key_for_a_remote_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ELEVENLABS_API_KEY", raising=False)
    tts = ElevenLabsTTSService(base_url="wss://eu.residency.elevenlabs.io")
    spoken = await TTSContract().speak(tts, TTSSpeakFrame(text=FIRST))
    assert [e.split(" TTS error: ", 1)[1] for e in spoken.errors] == [
        "ElevenLabs: no API key for wss://eu.residency.elevenlabs.io: set the environment variable "
        "ELEVENLABS_API_KEY (or [tts] api_key)"
    ]


async def test_an_unsupported_output_rate_ends_the_run_naming_the_rates_that_work(fake: FakeElevenLabs) -> None:
    spoken = await TTSContract().speak(service(fake.url), TTSSpeakFrame(text=FIRST), sample_rate=32000, timeout=10)
    assert spoken.errors == [
        "tts plugin 'elevenlabs' failed to start: ElevenLabs streams PCM at 8000, 16000, 22050, 24000, 44100, "
        "48000 Hz only, not 32000 Hz: set [tts] sample_rate (or the pipeline's audio_out_sample_rate) to one of them"
    ]
    assert not spoken.audio_frames and not fake.handshakes


async def test_audio_without_timings_is_spoken_after_the_wait(fake: FakeElevenLabs) -> None:
    fake.fail(Untimed())
    spoken = await speak_two(service(fake.url, timeout_secs=0.3))
    assert not spoken.errors, spoken.errors
    first = spoken.recorder.of(TTSStartedFrame)[0].context_id
    assert any(f.context_id == first for f in spoken.audio_frames)
    # Untimed words fall back to the sentence as one text frame.
    assert next(t.text for t in spoken.text_frames) == FIRST
