"""Attacks on the work done per input, over a real socket, each with a second session beside it.

Issue 17's findings 1 (audio at an absurd sample rate), 2 (one long word for the tone
TTS), 5 (an envelope field of the wrong JSON type) and 6 (deeply nested JSON), plus the
bounds added with them (the input audio budget, the text caps). Each attack gets its
documented answer, the attacking session still answers afterwards (no close 1011), and
a bystander session keeps getting correct ping answers during and after it.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import msgspec
import pytest
from bystander import beside
from rtvi_websocket.protobuf import encode_audio, encode_message
from rtvi_websocket.testing import RTVIClient
from server_support import client, serving

from rtvi_core.audio import INPUT_SAMPLE_RATES
from rtvi_core.rtvi.messages import MAX_JSON_CONTAINERS, MAX_JSON_DEPTH, MAX_TEXT_CHARS

pytestmark = [pytest.mark.anyio, pytest.mark.rtvi_plugins]

RATES = ", ".join(map(str, INPUT_SAMPLE_RATES))


@asynccontextmanager
async def attacker(**transport: Any) -> AsyncIterator[RTVIClient]:
    """A ready session of the test bot with a bystander beside it; it must still answer after the block."""
    async with serving(**transport) as server, beside(server) as bystander:
        async with client(server) as bot:
            await bot.ready()
            yield bot
            await bystander.answered_more()
            answer = await bot.request("ping", {"after": "attack"})
            assert answer["type"] == "server-response" and answer["data"]["d"] == {"pong": {"after": "attack"}}


async def refused(bot: RTVIClient, payload: bytes, error: str) -> None:
    """Send ``payload``: a malformed frame, answered with a non-fatal RTVI ``error``."""
    await bot.ws.send(payload)
    assert (await bot.wait_for("error"))["data"] == {"error": error, "fatal": False}


def nested(depth: int) -> object:
    value: object = 1
    for _ in range(depth):
        value = [value]
    return value


# -- finding 1: audio at an absurd sample rate -------------------------------------------


@pytest.mark.parametrize("size", [6400, 1024 * 1024])
async def test_protobuf_audio_at_1_hz_is_a_malformed_frame(size):
    async with attacker() as bot:
        payload = encode_audio(bytes(size), 1, 1, name="audio")
        await refused(bot, payload, f"audio frame: sample_rate 1 is not supported (expected one of {RATES})")


async def test_protobuf_audio_with_3_channels_is_a_malformed_frame():
    async with attacker() as bot:
        payload = encode_audio(bytes(6400), 16000, 3, name="audio")
        await refused(bot, payload, "audio frame: num_channels 3 is not supported (expected 1 to 2)")


@pytest.mark.parametrize("msg_type", ["raw-audio", "raw-audio-batch"])
async def test_rtvi_raw_audio_at_1_hz_gets_an_error_response_naming_the_field(msg_type):
    pcm = base64.b64encode(bytes(6400)).decode()
    data = {"sampleRate": 1, "numChannels": 1}
    data |= {"base64Audio": pcm} if msg_type == "raw-audio" else {"base64AudioBatch": [pcm, pcm]}
    async with attacker() as bot:
        reply = await bot.wait_for("error-response", await bot.send(msg_type, data))
        assert reply["data"]["error"] == (
            f"Invalid message: sampleRate 1 is not supported (expected one of {RATES}) - at `$.sampleRate`"
        )


async def test_audio_at_every_allowed_rate_is_taken():
    async with attacker() as bot:
        for rate in INPUT_SAMPLE_RATES:
            await bot.send_audio(bytes(rate // 50 * 2), sample_rate=rate)  # 20 ms each
        await bot.request("ping")  # every frame before it has been handled
        assert not [m for m in bot.messages if m["type"] == "error"]


async def test_audio_running_ahead_of_real_time_is_dropped_with_one_error():
    # A sustained speed so low that no second is earned back while the test runs: one episode.
    async with attacker(audio_in_burst_secs=2.0, audio_in_max_speed=0.01) as bot:
        for _ in range(30):  # 30 s of audio at once, 15 times the burst allowance
            await bot.send_audio(bytes(32000), sample_rate=16000)
        await bot.request("ping")  # every frame before it has been handled
        errors = [m["data"] for m in bot.messages if m["type"] == "error"]
        assert len(errors) == 1 and errors[0]["fatal"] is False
        assert errors[0]["error"].endswith(
            "input audio dropped: it runs ahead of real time (allowed: 2 s at once, then 0.01× real time)"
        )


# -- finding 2: one long word for the tone TTS ---------------------------------------------


async def test_one_long_word_sounds_like_a_24_letter_word():
    async with attacker(audio_out_realtime=False) as bot:
        await bot.send("send-text", {"content": "a" * 8000})
        await bot.wait_for("bot-stopped-speaking", timeout=30)
        # "You said: aaaa…": three words of at most 24 letters, 1.14 s + a 40 ms gap each.
        pcm_bytes = sum(len(frame.audio) for frame in bot.audio)
        assert 0 < pcm_bytes <= 3 * 1.18 * 24000 * 2


async def test_send_text_over_the_limit_gets_an_error_response_naming_it():
    async with attacker() as bot:
        msg_id = await bot.send("send-text", {"content": "word " * (MAX_TEXT_CHARS // 5 + 1)})
        reply = await bot.wait_for("error-response", msg_id)
        assert (
            reply["data"]["error"] == f"Invalid message: Expected `str` of length <= {MAX_TEXT_CHARS} - at `$.content`"
        )


# -- finding 5: an envelope field of the wrong JSON type -----------------------------------


@pytest.mark.parametrize(
    ("message", "error"),
    [
        ({"label": "rtvi-ai", "type": [1], "id": "1"}, "Expected `str`, got `array` - at `$.type`"),
        ({"label": "rtvi-ai", "type": {"a": 1}, "id": "1"}, "Expected `str`, got `object` - at `$.type`"),
        ({"label": "rtvi-ai", "type": "client-message", "id": ["x"]}, "Expected `str`, got `array` - at `$.id`"),
        (
            {"label": "rtvi-ai", "type": "client-message", "id": "1", "data": [1]},
            "Expected `object | null`, got `array` - at `$.data`",
        ),
    ],
)
async def test_envelope_field_of_the_wrong_type_gets_an_error_and_the_session_goes_on(message, error):
    async with attacker() as bot:
        await refused(bot, encode_message(msgspec.json.encode(message)), f"Invalid RTVI transport message: {error}")
        assert (await bot.request("ping"))["type"] == "server-response"  # later messages are handled


# -- finding 6: deeply nested JSON ---------------------------------------------------------


TOO_DEEP = f"message data: JSON nested deeper than {MAX_JSON_DEPTH} levels of arrays and objects"
TOO_BIG = f"message data: JSON with more than {MAX_JSON_CONTAINERS} `[` and `{{` (arrays, objects, or in strings)"


@pytest.mark.parametrize(
    ("depth", "error"), [(MAX_JSON_DEPTH - 1, TOO_DEEP), (1000, TOO_DEEP), (30_000, TOO_DEEP), (300_000, TOO_BIG)]
)
async def test_json_nested_too_deep_is_a_malformed_frame(depth, error):
    # The envelope and its data add two levels: data.d nested `depth` deep makes depth + 2.
    text = (
        b'{"label":"rtvi-ai","type":"client-message","id":"x","data":{"t":"ping","d":'
        + b"[" * depth
        + b"]" * depth
        + b"}}"
    )
    async with attacker() as bot:
        await refused(bot, encode_message(text), error)


async def test_json_at_the_depth_limit_round_trips():
    deep = nested(MAX_JSON_DEPTH - 2)  # + the envelope and its data: exactly the limit
    async with attacker() as bot:
        answer = await bot.request("ping", deep)
        assert answer["type"] == "server-response" and answer["data"]["d"] == {"pong": deep}
