"""Webhook signatures, right and wrong: Twilio, Telnyx and Plivo."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from rtvi_telephony.signatures import (
    plivo_signature,
    plivo_signature_valid,
    telnyx_signature,
    telnyx_signature_valid,
    twilio_signature,
    twilio_signature_valid,
)

MALFORMED = ["", "not base64!", "é≠", "AAAA", "=", "a,b,,", "\x00"]

# --- Twilio ---------------------------------------------------------------------------------

# The worked example of Twilio's request-validation documentation: auth token 12345, this
# URL and these POST parameters. Twilio's docs have published it with two caller numbers.
TWILIO_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"


def twilio_params(caller: str) -> dict[str, str]:
    return {"CallSid": "CA1234567890ABCDE", "Caller": caller, "Digits": "1234", "From": caller, "To": "+18005551212"}


@pytest.mark.parametrize(
    ("caller", "published"),
    [("+14158675309", "RSOYDt4T1cUTdK1PDd93/VVr8B8="), ("+14158675310", "GvWf1cFY/Q7PnoempGyD5oXAezc=")],
)
def test_twilio_documented_example(caller: str, published: str) -> None:
    assert twilio_signature("12345", TWILIO_URL, twilio_params(caller)) == published
    assert twilio_signature_valid("12345", TWILIO_URL, twilio_params(caller), published)


def test_twilio_signed_string_is_url_then_sorted_names_and_values() -> None:
    params = {"To": "+1", "From": "+2", "CallSid": "CA1"}
    signed = "https://bot.example.com/?x=1" + "CallSidCA1" + "From+2" + "To+1"
    expected = base64.b64encode(hmac.new(b"tok", signed.encode(), hashlib.sha1).digest()).decode()
    assert twilio_signature("tok", "https://bot.example.com/?x=1", params) == expected


def test_twilio_wrong() -> None:
    params = twilio_params("+14158675310")
    good = "GvWf1cFY/Q7PnoempGyD5oXAezc="
    assert not twilio_signature_valid("12346", TWILIO_URL, params, good)  # wrong token
    assert not twilio_signature_valid("", TWILIO_URL, params, good)  # no token
    assert not twilio_signature_valid("12345", TWILIO_URL, params | {"Digits": "9999"}, good)  # tampered body
    assert not twilio_signature_valid("12345", TWILIO_URL, params | {"Extra": ""}, good)  # added parameter
    assert not twilio_signature_valid("12345", TWILIO_URL.replace("https", "http"), params, good)  # other URL
    assert not twilio_signature_valid("12345", TWILIO_URL, params, good.lower())
    for bad in MALFORMED:
        assert not twilio_signature_valid("12345", TWILIO_URL, params, bad)


def test_twilio_get_request_signs_the_url_alone() -> None:
    url = "https://bot.example.com/?CallSid=CA1&From=%2B1"
    assert twilio_signature_valid("tok", url, {}, twilio_signature("tok", url, {}))


# --- Telnyx ---------------------------------------------------------------------------------

PRIVATE = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
PRIVATE_B64 = base64.b64encode(PRIVATE.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())).decode()
PUBLIC_B64 = base64.b64encode(PRIVATE.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()
BODY = b'{"data":{"event_type":"call.initiated","payload":{"call_control_id":"v3:abc"}}}'
NOW = 1_700_000_000.0
STAMP = "1700000000"


def test_telnyx_signs_timestamp_bar_body_with_ed25519() -> None:
    signature = telnyx_signature(PRIVATE_B64, BODY, STAMP)
    # independently: Ed25519 over f"{timestamp}|" + raw body
    PRIVATE.public_key().verify(base64.b64decode(signature), b"1700000000|" + BODY)
    assert telnyx_signature_valid(PUBLIC_B64, BODY, STAMP, signature, now=NOW)
    assert telnyx_signature_valid(PUBLIC_B64, BODY, STAMP, signature, now=NOW + 300)
    assert telnyx_signature_valid(PUBLIC_B64, BODY, STAMP, signature, now=NOW - 300)


def test_telnyx_wrong() -> None:
    signature = telnyx_signature(PRIVATE_B64, BODY, STAMP)
    other = Ed25519PrivateKey.from_private_bytes(bytes(32)).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert not telnyx_signature_valid(base64.b64encode(other).decode(), BODY, STAMP, signature, now=NOW)  # wrong key
    assert not telnyx_signature_valid(PUBLIC_B64, BODY + b" ", STAMP, signature, now=NOW)  # tampered body
    assert not telnyx_signature_valid(PUBLIC_B64, BODY, "1700000001", signature, now=NOW)  # other timestamp
    assert not telnyx_signature_valid(PUBLIC_B64, BODY, STAMP, signature, now=NOW + 301)  # stale
    assert not telnyx_signature_valid(PUBLIC_B64, BODY, STAMP, signature, now=NOW - 301)  # from the future
    assert not telnyx_signature_valid(PUBLIC_B64, BODY, STAMP, signature, tolerance_secs=10, now=NOW + 11)
    assert not telnyx_signature_valid(PUBLIC_B64, BODY, STAMP, signature)  # 2023: stale by the real clock


@pytest.mark.parametrize("bad", MALFORMED)
def test_telnyx_malformed_is_false(bad: str) -> None:
    signature = telnyx_signature(PRIVATE_B64, BODY, STAMP)
    assert not telnyx_signature_valid(PUBLIC_B64, BODY, STAMP, bad, now=NOW)  # signature
    assert not telnyx_signature_valid(bad, BODY, STAMP, signature, now=NOW)  # public key
    assert not telnyx_signature_valid(PUBLIC_B64, BODY, bad, signature, now=NOW)  # timestamp


def test_telnyx_truncated_signature_is_false() -> None:
    raw = base64.b64decode(telnyx_signature(PRIVATE_B64, BODY, STAMP))
    assert not telnyx_signature_valid(PUBLIC_B64, BODY, STAMP, base64.b64encode(raw[:63]).decode(), now=NOW)


# --- Plivo ----------------------------------------------------------------------------------

NONCE = "05429567804466091622"
CALL = {"CallUUID": "4c2d-uuid", "From": "+15551230000", "To": "+15559870000", "Direction": "inbound"}


def b64_hmac256(token: str, text: str) -> str:
    return base64.b64encode(hmac.new(token.encode(), text.encode(), hashlib.sha256).digest()).decode()


@pytest.mark.parametrize(
    ("url", "params", "signed"),
    [
        # POST to a URL with a query (the V3 docs' example shape): URL, its sorted query, ".", sorted params
        (
            "https://example.com/abcd?foo=bar",
            CALL,
            "https://example.com/abcd?foo=bar.CallUUID4c2d-uuidDirectioninboundFrom+15551230000To+15559870000",
        ),
        # POST to a URL without a query: "?" then the sorted params
        (
            "https://bot.example.com/",
            {"To": "+1", "From": "+2"},
            "https://bot.example.com/?From+2To+1",
        ),
        # GET: the URL with its query sorted by name, then value
        ("https://bot.example.com/answer?b=2&a=3&a=1", None, "https://bot.example.com/answer?a=1&a=3&b=2"),
        # GET without a query, and a POST without parameters: the bare URL
        ("https://bot.example.com/answer", None, "https://bot.example.com/answer"),
        ("https://bot.example.com/answer", {}, "https://bot.example.com/answer"),
    ],
)
def test_plivo_v3_signed_string(url: str, params: dict[str, str] | None, signed: str) -> None:
    expected = b64_hmac256("tok", f"{signed}.{NONCE}")
    assert plivo_signature("tok", url, NONCE, params) == expected
    assert plivo_signature_valid("tok", url, NONCE, expected, params)


def test_plivo_several_signatures_in_the_header() -> None:
    good = plivo_signature("tok", "https://bot.example.com/", NONCE, CALL)
    other = plivo_signature("old-token", "https://bot.example.com/", NONCE, CALL)
    assert plivo_signature_valid("tok", "https://bot.example.com/", NONCE, f"{other},{good}", CALL)
    assert plivo_signature_valid("tok", "https://bot.example.com/", NONCE, f"{other}, {good}", CALL)
    assert not plivo_signature_valid("tok", "https://bot.example.com/", NONCE, f"{other},{other}", CALL)


def test_plivo_wrong() -> None:
    url = "https://bot.example.com/"
    good = plivo_signature("tok", url, NONCE, CALL)
    assert not plivo_signature_valid("tok2", url, NONCE, good, CALL)  # wrong token
    assert not plivo_signature_valid("", url, NONCE, good, CALL)  # no token
    assert not plivo_signature_valid("tok", url, NONCE + "1", good, CALL)  # other nonce (a replay)
    assert not plivo_signature_valid("tok", url, "", good, CALL)  # no nonce
    assert not plivo_signature_valid("tok", url, NONCE, good, CALL | {"To": "+1999"})  # tampered body
    assert not plivo_signature_valid("tok", url, NONCE, good, None)  # parameters dropped
    assert not plivo_signature_valid("tok", url + "?x=1", NONCE, good, CALL)  # other URL
    for bad in MALFORMED:
        assert not plivo_signature_valid("tok", url, NONCE, bad, CALL)


def test_a_malformed_url_is_false_not_an_exception() -> None:
    assert not plivo_signature_valid("tok", "http://[::1", NONCE, "x", CALL)
    assert not twilio_signature_valid("tok", "http://[::1", {}, "x")
