"""Data-channel messages: the stock client's kinds are recognised; anything else is a bad message."""

from __future__ import annotations

import json

import pytest
from rtvi_webrtc.datachannel import BadMessage, Ping, RTVIMessage, TrackStatus, decode_inbound, signalling

LIMIT = 64 * 1024


def test_the_stock_clients_messages() -> None:
    assert decode_inbound("ping: 1765101234567", LIMIT) == Ping()
    ready = {"id": "a1", "label": "rtvi-ai", "type": "client-ready", "data": {"version": "2.1.0"}}
    assert decode_inbound(json.dumps(ready), LIMIT) == RTVIMessage(ready)
    status = {"type": "signalling", "message": {"type": "trackStatus", "receiver_index": 1, "enabled": True}}
    decoded = decode_inbound(json.dumps(status), LIMIT)
    assert decoded == TrackStatus(receiver_index=1, enabled=True) and decoded.track == "camera"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\x00\x01", "binary data-channel messages are not used"),
        ("x" * (LIMIT + 1), f"message longer than {LIMIT} bytes"),
        ("hello", "must be JSON (an RTVI message) or a ping"),
        ("[1, 2]", "must be a JSON object"),
        ("[" * 200 + "]" * 200, "JSON nested deeper than 64"),
        ('{"type": "signalling", "message": {"type": "renegotiate"}}', "unknown signalling message 'renegotiate'"),
        ('{"type": "signalling", "message": 5}', "unknown signalling message None"),
        (
            '{"type": "signalling", "message": {"type": "trackStatus", "receiver_index": 7, "enabled": true}}',
            "receiver_index must be 0-2",
        ),
        (
            '{"type": "signalling", "message": {"type": "trackStatus", "receiver_index": 0, "enabled": 1}}',
            "trackStatus: Expected `bool`, got `int`",
        ),
        (
            '{"type": "signalling", "message": {"type": "trackStatus", "receiver_index": true, "enabled": true}}',
            "trackStatus: Expected `int`, got `bool`",
        ),
    ],
)
def test_bad_messages_say_why(data: str | bytes, reason: str) -> None:
    decoded = decode_inbound(data, LIMIT)
    assert isinstance(decoded, BadMessage) and reason in decoded.reason, decoded


def test_an_rtvi_message_typed_signalling_goes_to_the_pipeline() -> None:
    message = {"label": "rtvi-ai", "type": "signalling", "id": "1"}  # the RTVI processor answers it
    assert decode_inbound(json.dumps(message), LIMIT) == RTVIMessage(message)


def test_server_signalling_text() -> None:
    assert json.loads(signalling("peerLeft")) == {"type": "signalling", "message": {"type": "peerLeft"}}
