"""Webhook markup, parsed and checked against each carrier's documented elements and attributes."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

import pytest
from rtvi_telephony.markup import exotel_stream_response, plivo_xml, telnyx_texml, twilio_twiml

URL = "wss://bot.example.com/ws?a=1&b=<2>"  # & and < must be escaped in XML


def parse(document: str) -> ET.Element:
    assert document.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(document)


def test_twilio_connect_stream_with_parameters() -> None:
    document = twilio_twiml(URL, {"caller": "+15551234567", "quote": 'say "hi" & <bye>'})
    assert "&amp;" in document and "<2>" not in document
    response = parse(document)
    assert response.tag == "Response"
    [connect] = list(response)
    assert connect.tag == "Connect"
    [stream] = list(connect)
    assert (stream.tag, stream.attrib) == ("Stream", {"url": URL})
    assert [(p.tag, p.attrib) for p in stream] == [
        ("Parameter", {"name": "caller", "value": "+15551234567"}),
        ("Parameter", {"name": "quote", "value": 'say "hi" & <bye>'}),
    ]


def test_twilio_without_parameters() -> None:
    stream = parse(twilio_twiml("wss://bot.example.com/ws", {})).find("Connect/Stream")
    assert stream is not None and list(stream) == [] and stream.attrib == {"url": "wss://bot.example.com/ws"}


def test_telnyx_connect_stream_rtp() -> None:
    response = parse(telnyx_texml(URL, {"k": "v"}))
    assert [child.tag for child in response] == ["Connect", "Pause"]
    stream = response.find("Connect/Stream")
    assert stream is not None
    # TeXML <Stream>: url, bidirectionalMode (mp3|rtp), bidirectionalCodec (PCMU, PCMA, …)
    assert stream.attrib == {"url": URL, "bidirectionalMode": "rtp", "bidirectionalCodec": "PCMU"}
    assert [p.attrib for p in stream.findall("Parameter")] == [{"name": "k", "value": "v"}]
    pause = response.find("Pause")
    assert pause is not None and pause.attrib == {"length": "40"}


def test_telnyx_options() -> None:
    response = parse(telnyx_texml("wss://h/ws", {}, codec="PCMA", pause_secs=None))
    assert [child.tag for child in response] == ["Connect"]
    stream = response.find("Connect/Stream")
    assert stream is not None and stream.attrib["bidirectionalCodec"] == "PCMA"


def test_plivo_stream_element() -> None:
    response = parse(plivo_xml(URL, {"caller": "15551234567", "lang": "en"}))
    [stream] = list(response)
    assert stream.tag == "Stream"
    assert stream.text == URL  # Plivo takes the URL as the element's text
    assert stream.attrib == {
        "bidirectional": "true",
        "audioTrack": "inbound",
        "keepCallAlive": "true",
        "contentType": "audio/x-mulaw;rate=8000",
        "extraHeaders": "caller=15551234567,lang=en",
    }


def test_plivo_l16_and_no_parameters() -> None:
    stream = parse(plivo_xml("wss://h/ws", {}, content_type="audio/x-l16;rate=16000")).find("Stream")
    assert stream is not None
    assert stream.attrib["contentType"] == "audio/x-l16;rate=16000"
    assert "extraHeaders" not in stream.attrib


@pytest.mark.parametrize("parameters", [{"caller": "+1555"}, {"a-b": "1"}, {"": "1"}, {"k": "x" * 600}])
def test_plivo_refuses_what_extra_headers_cannot_carry(parameters: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="Plivo"):
        plivo_xml("wss://h/ws", parameters)


def test_exotel_dynamic_url_answer() -> None:
    assert exotel_stream_response("wss://bot.example.com/ws") == {"url": "wss://bot.example.com/ws"}
    answer = exotel_stream_response("wss://bot.example.com/ws?sample-rate=8000", {"caller": "+91 98", "x": "&"})
    parts = urlsplit(answer["url"])
    assert (parts.scheme, parts.netloc, parts.path) == ("wss", "bot.example.com", "/ws")
    assert parse_qs(parts.query) == {"sample-rate": ["8000"], "caller": ["+91 98"], "x": ["&"]}


def test_exotel_parameter_limits() -> None:
    with pytest.raises(ValueError, match="at most 3"):
        exotel_stream_response("wss://h/ws", {"a": "1", "b": "2", "c": "3", "d": "4"})
    with pytest.raises(ValueError, match="256"):
        exotel_stream_response("wss://h/ws", {"a": "x" * 300})


@pytest.mark.parametrize("url", ["https://bot.example.com/ws", "bot.example.com/ws", "wss://", ""])
def test_a_non_websocket_url_is_refused(url: str) -> None:
    for build in (twilio_twiml, telnyx_texml, plivo_xml):
        with pytest.raises(ValueError, match="ws:// or wss://"):
            build(url, {})
    with pytest.raises(ValueError, match="ws:// or wss://"):
        exotel_stream_response(url)
