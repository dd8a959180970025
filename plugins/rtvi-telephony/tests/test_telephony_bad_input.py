"""Bad input on a phone media stream: each is logged once and dropped, and the call goes on.

What a carrier expects is silence: no protocol has an error reply, so a bad message is
dropped (a WARNING once a minute per kind) and the stream stays up; a keypress sent after
it still reaches the pipeline. Only what would otherwise go on forever ends the stream:
a message over ``max_message_bytes`` (1009), ``max_malformed`` bad messages (1008), no
``start`` within ``start_timeout_secs`` (1008).
"""

from __future__ import annotations

import json
import logging

import anyio
import pytest
from carrier_stream_fakes import fake_call
from telephony_support import CHEAP_BOT, served_bot, transport_keys, wire_for

pytestmark = pytest.mark.anyio

WIRE = wire_for("twilio")
SID = WIRE.stream_id


def bot_file(**keys: object) -> str:
    return CHEAP_BOT.format(carrier="twilio", transport=transport_keys("twilio", **keys), speak_first="false")


def media(payload: object, stream: str = SID) -> str:
    return json.dumps({"event": "media", "streamSid": stream, "media": {"track": "inbound", "payload": payload}})


async def _eventually(check, timeout: float = 10.0) -> None:
    with anyio.fail_after(timeout):
        while not check():
            await anyio.sleep(0.02)


BAD = [
    ("not-json", "this is not JSON {"),
    ("not-json", b"\x00\x01binary"),
    ("not-json", '{"event": "media", "media": ' + "[" * 200 + "]" * 200 + "}"),
    ("not-an-object", "[1, 2, 3]"),
    ("no-event", '{"streamSid": "x"}'),
    ("unknown-event", '{"event": "transcription", "streamSid": "x"}'),
    ("bad-base64", media("@@not base64@@")),
    ("malformed", media(12345)),
    ("malformed", '{"event": "media", "streamSid": "x", "media": "payload"}'),
    ("wrong-stream", media("AAAA", stream="MZother")),
    ("oversized", media("A" * 4000)),
    ("bad-digit", json.dumps({"event": "dtmf", "streamSid": SID, "dtmf": {"digit": "x"}})),
    ("bad-digit", json.dumps({"event": "dtmf", "streamSid": SID, "dtmf": {"digit": ["1"]}})),
    ("second-start", None),  # the call's own start, again
]


@pytest.mark.parametrize(("kind", "message"), BAD, ids=[f"{k}-{i}" for i, (k, _) in enumerate(BAD)])
async def test_a_bad_message_is_logged_once_dropped_and_the_call_goes_on(kind, message, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="rtvi.telephony")
    async with served_bot(bot_file(max_media_bytes=1024)) as bot:
        async with fake_call(bot.port, WIRE) as call:
            await _eventually(lambda: bot.sessions and bot.sessions[0].transport.call is not None)
            bad = message if message is not None else json.dumps(WIRE.start())
            await call.send(bad)
            await call.send(bad)
            transport = bot.sessions[0].transport
            await _eventually(lambda: transport.bad_input == 2)
            await call.send(WIRE.dtmf("5"))  # the session is not stuck
            await _eventually(lambda: bot.keypresses[0].keys == ["5"])
            assert call.closed is None
    logged = [r for r in caplog.records if f"({kind})" in r.getMessage()]
    assert len(logged) == 1, [r.getMessage() for r in caplog.records]


async def test_media_and_keys_before_start_are_dropped_and_the_call_starts_after() -> None:
    async with served_bot(bot_file()) as bot:
        async with fake_call(bot.port, WIRE, start=False, microphone=False) as call:
            await call.send(media("AAAA"))
            await call.send(WIRE.dtmf("1"))
            await _eventually(lambda: bot.sessions and bot.sessions[0].transport.bad_input == 2)
            await call.send(WIRE.start())
            await call.send(WIRE.dtmf("2"))
            await _eventually(lambda: bot.keypresses[0].keys == ["2"])


async def test_a_start_that_cannot_be_used_is_dropped() -> None:
    start = WIRE.start()
    del start["start"]["callSid"]
    opus = WIRE.start()
    opus["start"]["mediaFormat"]["encoding"] = "audio/opus"
    async with served_bot(bot_file()) as bot:
        async with fake_call(bot.port, WIRE, start=False, microphone=False) as call:
            await call.send(json.dumps(start))
            await call.send(json.dumps(opus))
            await _eventually(lambda: bot.sessions and bot.sessions[0].transport.bad_input == 2)
            assert bot.sessions[0].transport.call is None
            await call.send(WIRE.start())
            await _eventually(lambda: bot.sessions[0].transport.call is not None)


async def test_a_stop_for_another_stream_does_not_end_the_call() -> None:
    async with served_bot(bot_file()) as bot:
        async with fake_call(bot.port, WIRE) as call:
            await _eventually(lambda: bot.sessions and bot.sessions[0].transport.call is not None)
            await call.send({"event": "stop", "streamSid": "MZother", "stop": {}})
            await call.send(WIRE.dtmf("9"))
            await _eventually(lambda: bot.keypresses[0].keys == ["9"])
            assert bot.server.session_count == 1


async def test_an_oversized_message_closes_the_stream_with_1009_and_frees_the_slot() -> None:
    async with served_bot(bot_file(max_message_bytes=4096)) as bot:
        async with fake_call(bot.port, WIRE, microphone=False) as call:
            await call.send(media("A" * 8000))
            assert await call.wait_closed() == 1009
        await _eventually(lambda: bot.server.session_count == 0)


async def test_too_many_bad_messages_close_the_stream_with_1008() -> None:
    async with served_bot(bot_file(max_malformed=5)) as bot:
        async with fake_call(bot.port, WIRE, microphone=False) as call:
            for _ in range(5):
                await call.send("nonsense")
            assert await call.wait_closed() == 1008
        await _eventually(lambda: bot.server.session_count == 0)


async def test_a_stream_without_start_is_closed_after_the_start_timeout() -> None:
    async with served_bot(bot_file(start_timeout_secs=0.5)) as bot:
        async with fake_call(bot.port, WIRE, start=False, microphone=False) as call:
            assert await call.wait_closed() == 1008
        await _eventually(lambda: bot.server.session_count == 0)
