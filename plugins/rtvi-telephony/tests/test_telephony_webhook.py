"""The incoming-call webhook (``POST /``) on the served bot: signatures right and wrong, and the markup.

The markup is checked against each carrier's documented structure: TwiML
``<Response><Connect><Stream url>`` with ``<Parameter>``s, TeXML the same with
``bidirectionalMode="rtp"``, Plivo's ``<Stream bidirectional keepCallAlive contentType>``
holding the URL, Exotel's JSON ``{"url": ...}`` for the Voicebot applet's dynamic URL.
"""

from __future__ import annotations

import base64
import time
import xml.etree.ElementTree as ET

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from rtvi_telephony.signatures import plivo_signature, telnyx_signature, twilio_signature
from telephony_support import CHEAP_BOT, CREDENTIALS, served_bot, transport_keys

pytestmark = pytest.mark.anyio

PUBLIC = "https://bot.example.com"
WS = "wss://bot.example.com/ws"
FORM = {"CallSid": "CA42", "From": "+15551234567", "To": "+15557654321", "CallUUID": "4c2d"}


def bot_file(carrier: str, **keys: object) -> str:
    return CHEAP_BOT.format(
        carrier=carrier, transport=transport_keys(carrier, public_url=PUBLIC, **keys), speak_first="false"
    )


async def post(url: str, *, data: dict[str, str] | None = None, content: bytes | None = None, headers=None):
    async with httpx.AsyncClient() as client:
        return await client.post(url, data=data, content=content, headers=headers)


def _stream(answer: httpx.Response) -> ET.Element:
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(answer.content)
    assert root.tag == "Response"
    return root


async def test_twilio_signed_webhook_gets_twiml_and_a_wrong_signature_403() -> None:
    token = CREDENTIALS["twilio"]["auth_token"]
    async with served_bot(bot_file("twilio")) as bot:
        good = {"X-Twilio-Signature": twilio_signature(token, f"{PUBLIC}/", FORM)}
        root = _stream(await post(f"{bot.url}/", data=FORM, headers=good))
        [connect] = list(root)
        [stream] = list(connect)
        assert (connect.tag, stream.tag, stream.get("url")) == ("Connect", "Stream", WS)
        parameters = {p.get("name"): p.get("value") for p in stream.findall("Parameter")}
        assert parameters == {"from_number": "+15551234567", "to_number": "+15557654321"}

        wrong = {"X-Twilio-Signature": twilio_signature("another-token", f"{PUBLIC}/", FORM)}
        for headers in (wrong, {}, {"X-Twilio-Signature": "!!"}):
            refused = await post(f"{bot.url}/", data=FORM, headers=headers)
            assert refused.status_code == 403 and "signature" in refused.json()["info"]
        tampered = await post(f"{bot.url}/", data={**FORM, "From": "+15550000000"}, headers=good)
        assert tampered.status_code == 403


async def test_telnyx_signed_webhook_gets_texml_and_a_wrong_signature_403() -> None:
    key = Ed25519PrivateKey.generate()
    private = base64.b64encode(key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())).decode()
    public = base64.b64encode(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()
    body = b"From=%2B15551234567&To=%2B15557654321&CallSid=v3%3Aabc"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    async with served_bot(bot_file("telnyx", public_key=public)) as bot:
        stamp = str(int(time.time()))
        signed = {**form, "telnyx-timestamp": stamp, "telnyx-signature-ed25519": telnyx_signature(private, body, stamp)}
        root = _stream(await post(f"{bot.url}/", content=body, headers=signed))
        stream = root.find("Connect/Stream")
        assert stream is not None and stream.get("url") == WS and stream.get("bidirectionalMode") == "rtp"

        other = Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        forged = telnyx_signature(base64.b64encode(other).decode(), body, stamp)
        stale = str(int(time.time()) - 3600)
        for headers in (
            {**form, "telnyx-timestamp": stamp, "telnyx-signature-ed25519": forged},
            {**form, "telnyx-timestamp": stale, "telnyx-signature-ed25519": telnyx_signature(private, body, stale)},
            form,
        ):
            assert (await post(f"{bot.url}/", content=body, headers=headers)).status_code == 403
        assert (await post(f"{bot.url}/", content=body + b"&x=1", headers=signed)).status_code == 403


async def test_plivo_signed_webhook_gets_stream_xml_and_a_wrong_signature_403() -> None:
    token = CREDENTIALS["plivo"]["auth_token"]
    async with served_bot(bot_file("plivo")) as bot:
        nonce = "12345678901234567890"
        good = {
            "X-Plivo-Signature-V3": plivo_signature(token, f"{PUBLIC}/", nonce, FORM),
            "X-Plivo-Signature-V3-Nonce": nonce,
        }
        root = _stream(await post(f"{bot.url}/", data=FORM, headers=good))
        [stream] = list(root)
        assert (stream.tag, (stream.text or "").strip()) == ("Stream", WS)
        assert stream.get("bidirectional") == "true" and stream.get("keepCallAlive") == "true"
        assert stream.get("contentType") == "audio/x-mulaw;rate=8000"
        assert stream.get("extraHeaders") == "from=15551234567,to=15557654321"

        wrong = {**good, "X-Plivo-Signature-V3": plivo_signature("another", f"{PUBLIC}/", nonce, FORM)}
        for headers in (wrong, {"X-Plivo-Signature-V3-Nonce": nonce}, {}):
            assert (await post(f"{bot.url}/", data=FORM, headers=headers)).status_code == 403


async def test_exotel_answers_the_voicebot_applets_url_fetch_with_json() -> None:
    async with served_bot(bot_file("exotel")) as bot:
        async with httpx.AsyncClient() as client:
            for answer in (await client.get(f"{bot.url}/?CallSid=x"), await client.post(f"{bot.url}/", data=FORM)):
                assert answer.status_code == 200
                assert answer.headers["content-type"].startswith("application/json")
                assert answer.json()["url"] == WS


async def test_signatures_are_not_checked_when_off_or_without_the_credential() -> None:
    async with served_bot(bot_file("twilio", validate_signatures=False)) as bot:
        _stream(await post(f"{bot.url}/", data=FORM))
    text = CHEAP_BOT.format(carrier="twilio", transport=f'public_url = "{PUBLIC}"', speak_first="false")
    async with served_bot(text) as bot:
        _stream(await post(f"{bot.url}/", data=FORM))


async def test_start_is_refused_and_the_webhook_takes_post_only() -> None:
    async with served_bot(bot_file("twilio", validate_signatures=False)) as bot:
        refused = await post(f"{bot.url}/start")
        assert refused.status_code == 404 and "POST /" in refused.json()["info"]
        async with httpx.AsyncClient() as client:
            assert (await client.get(f"{bot.url}/")).status_code == 405
            assert (await client.get(f"{bot.url}/ws")).status_code == 426
