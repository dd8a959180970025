"""Offer and candidate bodies: what the stock client sends passes; anything else names its field."""

from __future__ import annotations

import json

import pytest
from rtvi_webrtc.signalling import (
    MAX_CANDIDATES_PER_PATCH,
    SignallingError,
    decode_offer,
    decode_patch,
    parse_candidate,
)

#: The shape of Chromium 156's offer to the stock client (trimmed), as the client posts it.
SDP = "\r\n".join(
    [
        "v=0",
        "o=- 4611731400430051336 2 IN IP4 127.0.0.1",
        "s=-",
        "t=0 0",
        "a=group:BUNDLE 0 1 2 3",
        "m=audio 9 UDP/TLS/RTP/SAVPF 111 0",
        "c=IN IP4 0.0.0.0",
        "a=ice-ufrag:xD3R",
        "a=ice-pwd:a3sN8hzfyCZ1bJl0V3r1rwJm",
        "a=fingerprint:sha-256 8B:5C:67:63:DD:8D:F6:9B:52:4B:73:6F:C3:81:2E:53:1A:8B:97:DE:73:42:E5:8B:87:A0:86:4F:3C:2D:6B:11",
        "a=setup:actpass",
        "a=mid:0",
        "a=sendrecv",
        "a=rtpmap:111 opus/48000/2",
        "m=video 9 UDP/TLS/RTP/SAVPF 96",
        "a=mid:1",
        "m=video 9 UDP/TLS/RTP/SAVPF 96",
        "a=mid:2",
        "m=application 9 UDP/DTLS/SCTP webrtc-datachannel",
        "a=mid:3",
        "a=sctp-port:5000",
        "",
    ]
)
CANDIDATE = "candidate:1714625043 1 udp 2122260223 127.0.0.1 36984 typ host generation 0 ufrag xD3R network-id 1"


def body(value: object) -> bytes:
    return json.dumps(value).encode()


def test_the_stock_clients_offer_is_taken() -> None:
    offer = decode_offer(body({"sdp": SDP, "type": "offer", "pc_id": None, "restart_pc": False}))
    assert offer.sdp == SDP and offer.pc_id is None and offer.restart_pc is False and offer.data is None
    again = decode_offer(body({"sdp": SDP, "type": "offer", "pc_id": "rtvi-1", "requestData": {"a": 1}}))
    assert again.pc_id == "rtvi-1" and again.data == {"a": 1}


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (b"not json", "the body is not JSON"),
        (b"[1]", "the body must be a JSON object"),
        (b"[" * 100 + b"]" * 100, "the body is JSON nested deeper"),
        ({"type": "offer"}, "missing required field `sdp`"),
        ({"sdp": 1, "type": "offer"}, "Expected `str`, got `int` - at `$.sdp`"),
        ({"sdp": SDP, "type": "answer"}, "type must be 'offer', not 'answer'"),
        ({"sdp": SDP, "type": "offer", "restart_pc": "yes"}, "Expected `bool | null`, got `str`"),
        ({"sdp": SDP, "type": "offer", "pc_id": ""}, "pc_id must be 1-128 printable characters"),
        ({"sdp": SDP, "type": "offer", "pc_id": "x" * 129}, "pc_id must be 1-128"),
        ({"sdp": SDP, "type": "offer", "pc_id": "a\r\nb"}, "pc_id must be 1-128 printable"),
        ({"sdp": "hello", "type": "offer"}, "sdp is not an SDP offer"),
        ({"sdp": "v=0\r\n" + "x" * 40_000, "type": "offer"}, "sdp is longer than 32768 characters"),
        ({"sdp": SDP.replace("m=audio", "m=text"), "type": "offer"}, "sdp has no audio section"),
        ({"sdp": SDP.replace("m=application", "m=message"), "type": "offer"}, "sdp has no data channel section"),
        ({"sdp": SDP.replace("a=ice-ufrag:", "a=x:"), "type": "offer"}, "sdp has no ICE credentials"),
        ({"sdp": SDP.replace("a=fingerprint:", "a=x:"), "type": "offer"}, "sdp has no DTLS fingerprint"),
        ({"sdp": SDP + "m=video 9 X 96\r\n" * 6, "type": "offer"}, "sdp has 10 media sections (at most 8)"),
    ],
)
def test_bad_offers_name_what_is_wrong(value: object, error: str) -> None:
    with pytest.raises(SignallingError, match=None) as raised:
        decode_offer(value if isinstance(value, bytes) else body(value))
    assert error in str(raised.value)


def test_candidates_of_the_stock_client_are_taken() -> None:
    patch = decode_patch(
        body({"pc_id": "rtvi-1", "candidates": [{"candidate": CANDIDATE, "sdp_mid": "0", "sdp_mline_index": 0}]})
    )
    assert patch.candidates[0].candidate == CANDIDATE
    ended = decode_patch(body({"pc_id": "rtvi-1", "candidates": [{"candidate": "", "sdp_mid": "0"}]}))
    assert ended.candidates[0].candidate == ""  # Firefox's end of candidates


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ({"candidates": []}, "missing required field `pc_id`"),
        ({"pc_id": "p", "candidates": "x"}, "Expected `array`"),
        ({"pc_id": "p", "candidates": [{"candidate": CANDIDATE}]}, "needs sdp_mid or sdp_mline_index"),
        ({"pc_id": "p", "candidates": [{"candidate": CANDIDATE, "sdp_mline_index": 9}]}, "sdp_mline_index must be 0-7"),
        ({"pc_id": "p", "candidates": [{"candidate": "garbage", "sdp_mid": "0"}]}, "candidates[0].candidate: not a"),
        (
            {"pc_id": "p", "candidates": [{"candidate": CANDIDATE, "sdp_mid": "0"}] * (MAX_CANDIDATES_PER_PATCH + 1)},
            "at most 32 per request",
        ),
    ],
)
def test_bad_patches_name_what_is_wrong(value: object, error: str) -> None:
    with pytest.raises(SignallingError) as raised:
        decode_patch(body(value))
    assert error in str(raised.value)


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("candidate:1 1 udp 1 127.0.0.1 99999 typ host", "port '99999' is not 1-65535"),
        ("candidate:1 1 udp 1 127.0.0.1 0 typ host", "port '0' is not 1-65535"),
        ("candidate:1 1 udp 1 127.0.0.1 ²5 typ host", "port '²5' is not 1-65535"),
        ("candidate:1 ¹ udp 1 127.0.0.1 5 typ host", "component '¹' is not 1-256"),
        ("candidate:1 1 sctp 1 127.0.0.1 5 typ host", "transport 'sctp' is not udp or tcp"),
        ("candidate:1 1 udp 1 evil.example.com 5 typ host", "is not an IP address or an mDNS .local name"),
        ("candidate:1 1 udp 1 127.0.0.1 5 typ weird", "type 'weird' is not host"),
        ("candidate:1 0 udp 1 127.0.0.1 5 typ host", "component '0' is not 1-256"),
        ("candidate:1 1 udp 99999999999 127.0.0.1 5 typ host", "is not a 32-bit number"),
        ("candidate:f@@ 1 udp 1 127.0.0.1 5 typ host", "is not 1-32 ICE characters"),
        ("candidate:1 1 udp 1 127.0.0.1 5 host typ", "not a candidate line"),
        ("candidate:" + "1" * 600, "longer than 512 characters"),
    ],
)
def test_malformed_candidates_are_refused(line: str, error: str) -> None:
    with pytest.raises(SignallingError) as raised:
        parse_candidate(line)
    assert error in str(raised.value)


def test_candidate_fields() -> None:
    assert parse_candidate(CANDIDATE).is_loopback
    mdns = parse_candidate("candidate:1 1 udp 1 2f1c8a0e-3d7b-4c55-9f8e-1a2b3c4d5e6f.local 5000 typ host")
    assert mdns.is_mdns and not mdns.is_loopback
    tcp = parse_candidate("candidate:2 1 tcp 1518280447 127.0.0.1 9 typ host tcptype active")
    assert tcp.transport == "tcp" and tcp.port == 9
