"""Every provider failure is a clear, non-fatal error naming Deepgram; the session goes on or
stops transcribing as a user would expect, reconnects are bounded, and nothing hangs.

The server is the fake listen API on 127.0.0.1 with a fault queued for the next
stream(s) (see ``deepgram_fake``); the service runs in a real pipeline, spoken to as
a VAD would (the STT contract's helpers).
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from functools import partial

import anyio
import pytest
from deepgram_fake import API_KEY, FakeDeepgram, Fault, unanswering_server
from rtvi_deepgram import DeepgramSTTService

from rtvi_core.direction import FrameDirection
from rtvi_core.frames import ErrorFrame, Frame, STTMuteFrame, UserAudioRawFrame
from rtvi_core.testing.contracts.stt import Heard, STTContract, got
from rtvi_core.testing.running import running
from rtvi_core.testing.speech import silence

pytestmark = pytest.mark.anyio

speaker = STTContract()
speaker.timeout = 20.0
WEATHER = "What is the weather like in Paris today?"
STOP = "Stop, wait a moment please."


def weather() -> list[Frame]:
    return speaker.utterance(speaker.clip_pcm("weather-question"))


def stop() -> list[Frame]:
    return speaker.utterance(speaker.clip_pcm("interrupt"))


def errors(count: int) -> Callable[[Heard], bool]:
    return lambda heard: len(heard.errors) >= count


def messages(heard: Heard) -> list[str]:
    assert all(not e.fatal for e in heard.errors), [e.error for e in heard.errors]
    return [e.error for e in heard.errors]


def service(fake: FakeDeepgram, **options: object) -> DeepgramSTTService:
    return DeepgramSTTService(base_url=fake.url, **{"api_key": API_KEY, **options})  # type: ignore[arg-type]


async def one_turn_at_a_time(stt: DeepgramSTTService, *turns: tuple[list[Frame], Callable[[Heard], bool]]) -> Heard:
    """Run each turn's frames once the previous turn's condition holds (a user who waits)."""
    task, recorder, errors = speaker.task_for(stt)
    heard = Heard(recorder, errors)
    async with running(task, start_timeout=speaker.timeout):
        for frames, condition in turns:
            await task.queue_frames(frames)
            await speaker.wait_until(heard, partial(condition, heard))
    return heard


# -- refused upgrades ---------------------------------------------------------------------


async def test_wrong_key_is_named_and_not_retried(fake: FakeDeepgram) -> None:
    heard = await speaker.hear(service(fake, api_key="wrong"), *weather(), until=errors(1))
    assert messages(heard) == [
        f"Deepgram rejected the API key (HTTP 401 from {fake.url}/v1/listen): INVALID_AUTH: Invalid credentials.; "
        "set a valid key in the [stt] api_key setting; speech is no longer transcribed in this session"
    ]
    assert fake.upgrades == 1 and not heard.finals


async def test_wrong_key_from_the_environment_names_the_variable(
    fake: FakeDeepgram, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DG_TEST_KEY", "wrong")
    stt = DeepgramSTTService(base_url=fake.url, api_key_env="DG_TEST_KEY")
    heard = await speaker.hear(stt, *weather(), until=errors(1))
    assert "set a valid key in the environment variable DG_TEST_KEY (or [stt] api_key)" in messages(heard)[0]


async def test_no_key_for_a_remote_endpoint_is_reported_without_connecting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DG_UNSET_KEY", raising=False)
    stt = DeepgramSTTService(base_url="wss://deepgram.invalid", api_key_env="DG_UNSET_KEY")
    heard = await speaker.hear(stt, *weather(), until=errors(1))
    assert messages(heard) == [
        "Deepgram: no API key for wss://deepgram.invalid: set the environment variable DG_UNSET_KEY (or [stt] api_key)"
    ]
    assert stt.session is None and not heard.finals


async def test_bad_settings_are_a_400_naming_the_settings(fake: FakeDeepgram) -> None:
    heard = await speaker.hear(service(fake, model="nova-nope"), *weather(), until=errors(1))
    assert messages(heard) == [
        f"Deepgram refused the stream's settings (HTTP 400 from {fake.url}/v1/listen): Bad Request: No such "
        "model/language/tier combination found.; check the bot file's [stt] settings (model, language, "
        "keyterms...); speech is no longer transcribed in this session"
    ]


async def test_429_waits_its_retry_after_and_the_audio_meanwhile_is_kept(fake: FakeDeepgram) -> None:
    body = b'{"err_code": "TOO_MANY_REQUESTS", "err_msg": "Too many concurrent requests."}'
    fake.fail(Fault(status=429, body=body, headers={"retry-after": "0.2"}))
    heard = await speaker.hear(service(fake), *weather(), until=got(1))
    assert messages(heard) == [
        f"Deepgram rate limit reached (HTTP 429 from {fake.url}/v1/listen; retry after 0.2 s): TOO_MANY_REQUESTS: "
        "Too many concurrent requests.; wait, or raise the project's concurrency limit; reconnecting (attempt 1 of 5)"
    ]
    assert heard.texts == [WEATHER]  # the whole utterance, sent while the stream was refused


async def test_5xx_on_the_upgrade_is_retried(fake: FakeDeepgram) -> None:
    fake.fail(Fault(status=503, body=b"upstream unavailable"))
    heard = await speaker.hear(service(fake), *weather(), until=got(1))
    assert messages(heard) == [
        f"Deepgram had a server error (HTTP 503 from {fake.url}/v1/listen): upstream unavailable; "
        "reconnecting (attempt 1 of 5)"
    ]
    assert heard.texts == [WEATHER] and fake.upgrades == 2


async def test_reconnects_are_bounded(fake: FakeDeepgram) -> None:
    fake.fail(Fault(status=502, headers={"dg-error": "bad gateway"}), times=10)
    heard = await speaker.hear(service(fake, max_reconnects=2), *weather(), until=errors(3))
    prefix = f"Deepgram had a server error (HTTP 502 from {fake.url}/v1/listen): bad gateway; "
    assert messages(heard) == [
        prefix + "reconnecting (attempt 1 of 2)",
        prefix + "reconnecting (attempt 2 of 2)",
        prefix + "speech is no longer transcribed in this session",
    ]
    assert fake.upgrades == 3 and not heard.finals


async def test_an_upgrade_never_answered_times_out() -> None:
    async with unanswering_server() as url:
        stt = DeepgramSTTService(base_url=url, api_key=API_KEY, timeout_secs=0.3, max_reconnects=0)
        heard = await speaker.hear(stt, *weather(), until=errors(1))
    assert messages(heard) == [
        f"Deepgram: {url}/v1/listen did not answer within 0.3 s; speech is no longer transcribed in this session"
    ]


async def test_nothing_listening_is_named() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # free once closed
    stt = DeepgramSTTService(base_url=f"ws://127.0.0.1:{port}", api_key=API_KEY, max_reconnects=0)
    heard = await speaker.hear(stt, *weather(), until=errors(1))
    [message] = messages(heard)
    assert message.startswith(f"Deepgram: cannot reach ws://127.0.0.1:{port}/v1/listen: "), message
    assert message.endswith("; speech is no longer transcribed in this session")


# -- a stream that fails while in use ---------------------------------------------------------


async def test_a_dropped_stream_is_reopened_and_the_next_turn_heard(fake: FakeDeepgram) -> None:
    fake.fail(Fault(drop_after=2))
    heard = await one_turn_at_a_time(service(fake), (weather(), errors(1)), (stop(), lambda h: STOP in h.texts))
    assert messages(heard) == ["Deepgram's stream dropped (no close frame); reconnecting (attempt 1 of 5)"]
    assert heard.texts[-1] == STOP and len(fake.streams) == 2


async def test_a_close_by_deepgram_is_worded_and_reopened(fake: FakeDeepgram) -> None:
    fake.fail(Fault(close_after=1, close_code=1011, close_reason="NET-0001"))
    heard = await one_turn_at_a_time(service(fake), (weather(), errors(1)), (stop(), lambda h: STOP in h.texts))
    assert messages(heard) == [
        "Deepgram received no audio within its timeout (NET-0001); reconnecting (attempt 1 of 5)"
    ]


async def test_an_error_message_from_deepgram_is_reported(fake: FakeDeepgram) -> None:
    error = '{"type": "Error", "description": "Failed to process audio", "variant": "DATA-0000"}'
    fake.fail(Fault(inject=[error]))
    heard = await speaker.hear(service(fake), *weather(), until=got(1))
    assert messages(heard) == ["Deepgram reported an error: Failed to process audio; DATA-0000"]
    assert heard.texts == [WEATHER]


async def test_malformed_messages_are_reported_once_and_skipped(fake: FakeDeepgram) -> None:
    bad = [
        "not json",
        "[1, 2]",
        '{"no": "type"}',
        '{"type": "Results", "channel": {"alternatives": "x"}}',
        '{"type": "Results", "is_final": "yes", "channel": {"alternatives": [{"transcript": "hi"}]}}',
        '{"type": "Results", "start": "0", "channel": {"alternatives": [{"transcript": "hi"}]}}',
        '{"type": "Results", "channel": {"alternatives": [{"transcript": 7}]}}',
        '{"type": "UtteranceEnd", "last_word_end": null}',
        '{"type": "SomethingNew", "data": 1}',  # an unknown type is skipped silently
        b"\x00\x01binary",
    ]
    fake.fail(Fault(inject=bad))
    heard = await speaker.hear(service(fake), *weather(), until=got(1))
    assert messages(heard) == [
        "Deepgram sent a malformed message (not JSON (Expecting value: line 1 column 1 (char 0))); it was skipped"
    ]
    assert heard.texts == [WEATHER] and len(fake.streams) == 1


async def test_a_silent_stream_is_given_up_and_reconnects_bounded(fake: FakeDeepgram) -> None:
    """A server that takes the audio and never answers: each Finalize unanswered fails its stream."""
    fake.fail(Fault(silent=True), times=5)
    stt = service(fake, timeout_secs=0.3, max_reconnects=1)
    heard = await one_turn_at_a_time(stt, (weather(), errors(1)), (stop(), errors(2)))  # the second on stream 2
    reason = "Deepgram sent nothing on the stream and did not answer Finalize within 0.3 s (timeout_secs)"
    assert messages(heard) == [
        f"{reason}; reconnecting (attempt 1 of 1)",
        f"{reason}; speech is no longer transcribed in this session",
    ]
    assert not heard.finals and len(fake.streams) == 2


async def test_an_unanswered_finalize_after_endpointing_completes_the_turn(fake: FakeDeepgram) -> None:
    """Every word was final (``speech_final``) already: the turn completes quietly."""
    fake.fail(Fault(ignore_finalize=True))
    heard = await speaker.hear(service(fake, timeout_secs=0.3), *weather(), until=got(1))
    assert heard.texts == [WEATHER] and not heard.errors


async def test_an_unanswered_finalize_never_makes_interim_words_final(fake: FakeDeepgram) -> None:
    """Without endpointing only the Finalize would make the words final: they are reported lost."""
    fake.fail(Fault(ignore_finalize=True))
    stt = service(fake, timeout_secs=0.3, endpointing=0)
    heard = await one_turn_at_a_time(stt, (weather(), errors(1)), (stop(), got(1)))
    assert messages(heard) == [
        "Deepgram did not finalize the transcript within 0.3 s (timeout_secs); the last words of this turn are "
        "lost, say them again; reconnecting (attempt 1 of 5)"
    ]
    assert heard.interims and heard.texts == [STOP]  # the first turn's interim words never became final


async def test_a_final_sent_twice_is_pushed_once(fake: FakeDeepgram) -> None:
    fake.fail(Fault(repeat_finals=True))
    heard = await speaker.hear(service(fake), *weather(), *stop(), until=got(2))
    assert heard.texts == [WEATHER, STOP] and not heard.errors


async def test_audio_past_the_reconnect_buffer_is_dropped_and_reported(fake: FakeDeepgram) -> None:
    """All the audio arrives while the stream is refused twice: only the last 0.2 s is kept."""
    fake.fail(Fault(status=503), times=2)
    task, _recorder, errors = speaker.task_for(service(fake, reconnect_buffer_secs=0.2))
    async with running(task, start_timeout=speaker.timeout):
        await task.queue_frames(weather())
        with anyio.fail_after(speaker.timeout):
            while not (fake.streams and fake.streams[0].audio_bytes):
                await anyio.sleep(0.02)
    assert "Deepgram: the stream is still reconnecting; the oldest buffered audio is dropped" in [
        e.error for e in errors.of(ErrorFrame, FrameDirection.UPSTREAM)
    ]
    assert fake.streams[0].audio_bytes <= int(0.2 * 16000) * 2


# -- keeping the stream open and closing it ---------------------------------------------------------


async def test_keep_alive_while_muted(fake: FakeDeepgram) -> None:
    """No audio goes out while muted: KeepAlive keeps the stream open."""
    task, _recorder, errors = speaker.task_for(service(fake, keepalive_secs=0.05))
    async with running(task, start_timeout=speaker.timeout):
        await task.queue_frame(STTMuteFrame(mute=True))
        with anyio.fail_after(speaker.timeout):
            while not (fake.streams and fake.streams[0].controls.count("KeepAlive") >= 2):
                await anyio.sleep(0.02)
    assert not errors.of(ErrorFrame, FrameDirection.UPSTREAM) and fake.streams[0].audio_bytes == 0


async def test_close_stream_at_the_end_of_the_run(fake: FakeDeepgram) -> None:
    heard = await speaker.hear(service(fake), *weather(), until=got(1))
    assert heard.texts == [WEATHER]
    assert fake.streams[0].controls == ["Finalize", "CloseStream"] and fake.streams[0].closed_by_client


async def test_a_drop_while_closing_is_no_error(fake: FakeDeepgram) -> None:
    fake.fail(Fault(drop_on_close=True))
    heard = await speaker.hear(service(fake), *weather(), until=got(1))
    assert heard.texts == [WEATHER] and not heard.errors and fake.upgrades == 1


async def test_empty_and_odd_audio_never_reach_deepgram(fake: FakeDeepgram) -> None:
    """An empty binary message would end a real stream; an odd byte would shift every sample after it."""
    frames = speaker.audio_frames(silence(0.1))
    frames[0].audio = b""
    frames[1].audio += b"\x01"
    heard = await speaker.hear(service(fake), *frames, *weather(), until=got(1))
    assert heard.texts == [WEATHER] and len(fake.streams) == 1
    assert fake.streams[0].audio_bytes % 2 == 0


@pytest.mark.parametrize("chunk_ms", [60, 0])
async def test_audio_goes_out_in_chunk_ms_messages_and_the_rest_before_finalize(
    fake: FakeDeepgram, chunk_ms: int
) -> None:
    frames = weather()
    audio = [len(f.audio) for f in frames if isinstance(f, UserAudioRawFrame)]
    heard = await speaker.hear(service(fake, chunk_ms=chunk_ms), *frames, until=got(1))
    assert heard.texts == [WEATHER]
    stream = fake.streams[0]
    if chunk_ms:
        chunk = speaker.sample_rate * chunk_ms // 1000 * 2
        *whole, last = stream.audio_messages
        assert all(chunk <= size < chunk + max(audio) for size in whole) and last < chunk + max(audio)
        assert len(stream.audio_messages) <= sum(audio) // chunk + 1
    else:  # each frame as it came
        assert stream.audio_messages == audio
    assert stream.audio_bytes == sum(audio)  # nothing held back: the rest went out before Finalize
    assert stream.sequence[-3:] == ["audio", "Finalize", "CloseStream"]
