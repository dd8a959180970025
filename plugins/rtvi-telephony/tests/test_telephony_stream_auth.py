"""Who may open a media stream (``/ws``): signatures and the ``stream_secret``, right and wrong.

A real WebSocket client on loopback upgrades as the carrier does. Twilio signs the upgrade
with ``X-Twilio-Signature`` (the wss URL from the TwiML, no parameters; Twilio's Media Streams
configuration and ConversationRelay onboarding docs); Plivo with ``X-Plivo-Signature-V3`` (the
stream URL, query included, as a GET; plivo-python 4.63.1 validates "the V3 signature Plivo
sends on audio stream WebSocket connections"). Telnyx and Exotel document no signature on the
stream: the optional ``stream_secret`` rides in the stream URL the webhook answers with. A
refused upgrade gets 403 before it happens; an accepted one starts a call.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import anyio
import httpx
import pytest
from carrier_stream_fakes import fake_call
from rtvi_telephony.signatures import plivo_signature, twilio_signature
from telephony_support import CHEAP_BOT, CREDENTIALS, served_bot, transport_keys, wire_for
from websockets.exceptions import InvalidStatus

from rtvi_core.config.errors import BotFileError

pytestmark = pytest.mark.anyio

PUBLIC = "https://bot.example.com"
WS = "wss://bot.example.com/ws"
SECRET = "s3cret-Value_42"


def bot_file(carrier: str, **keys: object) -> str:
    return CHEAP_BOT.format(
        carrier=carrier, transport=transport_keys(carrier, public_url=PUBLIC, **keys), speak_first="false"
    )


async def _started(bot, carrier: str, *, path: str = "/ws", headers: dict[str, str] | None = None) -> None:
    """A call over an upgrade with ``headers`` (None: the carrier's own) reaches ``start``."""
    wire = wire_for(carrier)
    if headers is None:
        headers = wire.upgrade_headers(f"wss://bot.example.com{path}")
    async with fake_call(bot.port, wire, path=path, headers=headers, microphone=False):
        with anyio.fail_after(10):
            while not bot.connected:
                await anyio.sleep(0.02)
    assert bot.connected[-1].call_id == wire.call_id


async def _refused(bot, carrier: str, *, path: str = "/ws", headers: dict[str, str]) -> None:
    sessions = len(bot.sessions)
    with pytest.raises(InvalidStatus) as refused:
        async with fake_call(bot.port, wire_for(carrier), path=path, headers=headers):
            pass
    assert refused.value.response.status_code == 403
    assert len(bot.sessions) == sessions  # refused before a session was built


async def test_twilio_stream_upgrade_needs_its_signature() -> None:
    token = CREDENTIALS["twilio"]["auth_token"]
    async with served_bot(bot_file("twilio")) as bot:
        await _started(bot, "twilio")
        for headers in (
            {},
            {"X-Twilio-Signature": twilio_signature("another-token", WS, {})},
            {"X-Twilio-Signature": twilio_signature(token, "wss://elsewhere.example.com/ws", {})},
            {"X-Twilio-Signature": twilio_signature(token, f"{PUBLIC}/", {})},  # the webhook's, not the stream's
            {"X-Twilio-Signature": "!!"},
        ):
            await _refused(bot, "twilio", headers=headers)


async def test_plivo_stream_upgrade_needs_its_v3_signature() -> None:
    token = CREDENTIALS["plivo"]["auth_token"]
    async with served_bot(bot_file("plivo")) as bot:
        await _started(bot, "plivo")
        good = {"X-Plivo-Signature-V3": plivo_signature(token, WS, "n1"), "X-Plivo-Signature-V3-Nonce": "n1"}
        await _started(bot, "plivo", headers=good)
        for headers in (
            {},
            {**good, "X-Plivo-Signature-V3": plivo_signature("another", WS, "n1")},
            {**good, "X-Plivo-Signature-V3-Nonce": "n2"},
            {"X-Plivo-Signature-V3": good["X-Plivo-Signature-V3"]},
        ):
            await _refused(bot, "plivo", headers=headers)


@pytest.mark.parametrize("carrier", ["twilio", "plivo"])
async def test_unsigned_streams_are_taken_when_checks_are_off_or_without_the_token(carrier: str) -> None:
    async with served_bot(bot_file(carrier, validate_signatures=False)) as bot:
        await _started(bot, carrier, headers={})
    text = CHEAP_BOT.format(carrier=carrier, transport=f'public_url = "{PUBLIC}"', speak_first="false")
    async with served_bot(text) as bot:
        await _started(bot, carrier, headers={})


async def test_telnyx_stream_secret_is_in_the_texml_and_asked_for_at_the_upgrade() -> None:
    async with served_bot(bot_file("telnyx", stream_secret=SECRET, validate_signatures=False)) as bot:
        async with httpx.AsyncClient() as client:
            answer = await client.post(f"{bot.url}/", data={"From": "+15551234567"})
        [stream] = ET.fromstring(answer.content).iter("Stream")
        assert stream.get("url") == f"{WS}?stream_secret={SECRET}"
        await _started(bot, "telnyx", path=f"/ws?stream_secret={SECRET}")
        for path in ("/ws", "/ws?stream_secret=", f"/ws?stream_secret={SECRET}x", f"/ws?other={SECRET}"):
            await _refused(bot, "telnyx", path=path, headers={})


async def test_exotel_and_plivo_carry_the_stream_secret_too() -> None:
    async with served_bot(bot_file("exotel", stream_secret=SECRET)) as bot:
        async with httpx.AsyncClient() as client:
            assert (await client.get(f"{bot.url}/")).json()["url"] == f"{WS}?stream_secret={SECRET}"
        await _started(bot, "exotel", path=f"/ws?stream_secret={SECRET}")
        await _refused(bot, "exotel", headers={})
    async with served_bot(bot_file("plivo", stream_secret=SECRET, validate_signatures=False)) as bot:
        async with httpx.AsyncClient() as client:
            answer = await client.post(f"{bot.url}/", data={"From": "+15551234567"})
        [stream] = ET.fromstring(answer.content).iter("Stream")
        assert (stream.text or "").strip() == f"{WS}?stream_secret={SECRET}"
        # signed (Plivo signs the URL it was given, the secret included) and with the secret
        await _started(bot, "plivo", path=f"/ws?stream_secret={SECRET}")
        await _refused(bot, "plivo", headers={})


async def test_twilio_refuses_a_stream_secret() -> None:
    with pytest.raises(BotFileError, match="stream_secret"):
        async with served_bot(bot_file("twilio", stream_secret=SECRET)):
            pass


@pytest.mark.parametrize("value", [-1, 1001, 10**12])
async def test_send_ahead_ms_out_of_range_names_the_key(value: object) -> None:
    with pytest.raises(BotFileError, match="send_ahead_ms"):
        async with served_bot(bot_file("telnyx", send_ahead_ms=value)):
            pass
