"""Each carrier's media-stream messages, in and out, against the shapes its documentation gives;
media formats (G.711, L16 in either byte order) and what a ``start`` tells about the call."""

from __future__ import annotations

import base64

import numpy as np
import pytest
from carrier_stream_fakes import Wire
from rtvi_telephony.carrier import MAX_PARAMETERS, bounded_parameters
from rtvi_telephony.events import CallInfo, Connected, Dtmf, Ignored, Mark, Media, Stop, WireError
from rtvi_telephony.exotel import Exotel
from rtvi_telephony.media_format import MULAW_8K, MediaFormat
from rtvi_telephony.plivo import Plivo, PlivoKeys
from rtvi_telephony.telnyx import Telnyx
from rtvi_telephony.twilio import Twilio
from telephony_support import CARRIERS, wire_for

CARRIER = {"twilio": Twilio, "telnyx": Telnyx, "plivo": Plivo, "exotel": Exotel}


@pytest.mark.parametrize("name", CARRIERS)
def test_the_documented_messages_in(name: str) -> None:
    carrier, wire = CARRIER[name](), wire_for(name)
    hello = wire.connected()
    if hello is not None:
        assert carrier.parse(hello) == Connected()
    call = carrier.parse(wire.start())
    assert isinstance(call, CallInfo)
    assert (call.carrier, call.stream_id, call.call_id) == (name, wire.stream_id, wire.call_id)
    assert call.caller.lstrip("+") == wire.caller.lstrip("+")
    assert call.parameters["customer"] == "42"
    assert call.media_format == (MediaFormat("l16", 8000) if name == "exotel" else MULAW_8K)
    assert carrier.parse(wire.media("AAAA", 1)) == Media(wire.stream_id, "AAAA")
    assert carrier.parse(wire.dtmf("#")) == Dtmf(wire.stream_id, "#")
    assert carrier.parse(wire.played("utterance-1")) == Mark(wire.stream_id, "utterance-1")
    stop = wire.stop()
    if stop is not None:
        assert carrier.parse(stop) == Stop(wire.stream_id)


@pytest.mark.parametrize("name", CARRIERS)
def test_the_documented_messages_out(name: str) -> None:
    carrier, wire = CARRIER[name](), wire_for(name)
    fmt = MediaFormat("l16", 8000) if name == "exotel" else MULAW_8K
    pcm = np.full(160, 1000, dtype="<i2").tobytes()
    payload = base64.b64encode(fmt.encode(pcm)).decode()
    kind, audio = wire.read(carrier.media(wire.stream_id, payload, fmt))
    assert kind == "media" and np.allclose(np.frombuffer(audio, "<i2"), 1000, atol=40)
    assert wire.read(carrier.mark(wire.stream_id, "utterance-3")) == ("mark", "utterance-3")
    assert wire.read(carrier.clear(wire.stream_id)) == ("clear", None)


def test_carrier_specifics() -> None:
    # Telnyx reports errors on the stream; Plivo acknowledges clears; outbound tracks are not the caller
    assert Telnyx().parse({"event": "error", "payload": {"code": 100002, "title": "Unknown error"}}).event == "error"
    assert Plivo().parse({"event": "clearedAudio", "streamId": "s"}) == Ignored("clearedAudio")
    outbound = Wire("twilio").media("AAAA", 1)
    outbound["media"]["track"] = "outbound"
    assert isinstance(Twilio().parse(outbound), Ignored)
    # Telnyx's L16 is in network byte order, Plivo's and Exotel's little-endian
    telnyx = Telnyx().media_format({"encoding": "L16", "sample_rate": 16000})
    assert telnyx == MediaFormat("l16be", 16000)
    assert telnyx.decode(b"\x01\x02") == b"\x02\x01" and telnyx.encode(b"\x02\x01") == b"\x01\x02"
    assert Plivo().media_format({"encoding": "audio/x-l16", "sampleRate": 16000}) == MediaFormat("l16", 16000)
    assert Twilio().media_format({"encoding": "audio/x-alaw", "sampleRate": 8000}) == MediaFormat("alaw", 8000)
    # Plivo's bot audio follows its content type
    plivo = Plivo(PlivoKeys(content_type="audio/x-l16;rate=16000"))
    assert plivo.output_rate == 16000
    assert plivo.media("s", "AA", MediaFormat("l16", 16000))["media"]["contentType"] == "audio/x-l16"


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ([1], "not-an-object"),
        ({"event": 3}, "no-event"),
        ({"event": "nope"}, "unknown-event"),
        ({"event": "media", "media": []}, "malformed"),
        ({"event": "media", "media": {"payload": None}}, "malformed"),
        ({"event": "dtmf", "dtmf": {"digit": "A"}}, "bad-digit"),
        ({"event": "start", "start": {"streamSid": "s"}}, "malformed"),
        ({"event": "start", "start": {"streamSid": "s", "callSid": "c", "mediaFormat": "mulaw"}}, "malformed"),
        (
            {"event": "start", "start": {"streamSid": "s", "callSid": "c", "mediaFormat": {"encoding": "opus"}}},
            "bad-format",
        ),
        ({"event": "start", "start": {"streamSid": "s", "callSid": "c" * 300}}, "malformed"),
        ({"event": "start", "start": {"streamSid": ["s"], "callSid": "c"}}, "malformed"),
        ({"event": "mark", "streamSid": "s", "mark": {"name": {"x": 1}}}, "malformed"),
    ],
)
def test_unusable_messages_are_wire_errors(message: object, kind: str) -> None:
    with pytest.raises(WireError) as caught:
        Twilio().parse(message)
    assert caught.value.kind == kind


def test_media_formats() -> None:
    for bad in (("audio/opus", 8000), ("PCMU", 16000), ("L16", 11025)):
        with pytest.raises(ValueError):
            MediaFormat.parse(*bad)
    assert MediaFormat.parse("audio/x-mulaw;rate=8000", 8000) == MULAW_8K
    assert MediaFormat("l16", 8000).decode(b"\x01\x02\x03") == b"\x01\x02"  # a trailing odd byte is dropped


def test_custom_parameters_are_bounded() -> None:
    assert bounded_parameters("a=1&b=2;c=3,d=4") == {"a": "1", "b": "2", "c": "3", "d": "4"}
    assert bounded_parameters({"n": 5, "x": [1], "y": None, "s": "v" * 5000})["s"] == "v" * 1024
    assert bounded_parameters({"n": 5, "x": [1]}) == {"n": "5"}
    assert len(bounded_parameters({f"k{i}": "v" for i in range(1000)})) == MAX_PARAMETERS
    assert bounded_parameters(42) == {}
