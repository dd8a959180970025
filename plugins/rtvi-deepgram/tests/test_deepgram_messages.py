"""Reading the server's messages, the stream's URL, and joining a turn's results (no server)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rtvi_deepgram.errors import close_error, handshake_error
from rtvi_deepgram.messages import MalformedMessage, Results, SpeechStarted, UtteranceEnd, parse_message
from rtvi_deepgram.options import ListenOptions, check_base_url
from rtvi_deepgram.turn import TurnTranscript


def results(text: str, start: float, duration: float, **flags: Any) -> dict[str, Any]:
    return {
        "type": "Results",
        "start": start,
        "duration": duration,
        "channel": {"alternatives": [{"transcript": text, "confidence": 0.9}]},
        **flags,
    }


def parsed(message: dict[str, Any]) -> Results:
    event = parse_message(json.dumps(message))
    assert isinstance(event, Results)
    return event


def test_results_are_read() -> None:
    message = results("hello there", 1.5, 0.75, is_final=True, speech_final=True)
    message["channel"]["alternatives"][0]["languages"] = ["fr"]
    event = parsed(message)
    assert (event.transcript, event.is_final, event.speech_final, event.from_finalize) == (
        "hello there",
        True,
        True,
        False,
    )
    assert (event.start, event.end, event.language) == (1.5, 2.25, "fr")


def test_other_events_are_read() -> None:
    assert parse_message('{"type": "UtteranceEnd", "channel": [0, 1], "last_word_end": 2.5}') == UtteranceEnd(2.5)
    assert parse_message('{"type": "SpeechStarted", "channel": [0], "timestamp": 0.25}') == SpeechStarted(0.25)
    assert parse_message('{"type": "SomethingNew"}') is None  # new message types are skipped


@pytest.mark.parametrize(
    ("message", "says"),
    [
        ("not json", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        ("[1, 2]", "a JSON list, not an object"),
        ('"Results"', "a JSON str, not an object"),
        ('{"no": "type"}', "no 'type'"),
        ('{"type": 7}', "no 'type'"),
        ('{"type": "Results"}', "Results without channel.alternatives"),
        ('{"type": "Results", "channel": {"alternatives": []}}', "Results without channel.alternatives"),
        ('{"type": "Results", "channel": {"alternatives": ["x"]}}', "Results without channel.alternatives"),
        ('{"type": "Results", "channel": {"alternatives": [{"transcript": null}]}}', "transcript is not a string"),
        (json.dumps(results("a", 0, 1, is_final="yes")), "Results whose is_final is not a boolean: 'yes'"),
        (json.dumps(results("a", 0, 1, speech_final=1)), "Results whose speech_final is not a boolean: 1"),
        (json.dumps(results("a", "0", 1)), "Results whose start is not a number: '0'"),
        (json.dumps(results("a", 0, True)), "Results whose duration is not a number: True"),
        ('{"type": "UtteranceEnd", "last_word_end": [1]}', "UtteranceEnd whose last_word_end is not a number"),
        ('{"type": "SpeechStarted", "timestamp": "soon"}', "SpeechStarted whose timestamp is not a number"),
    ],
)
def test_malformed_messages_say_what_is_wrong(message: str | bytes, says: str) -> None:
    with pytest.raises(MalformedMessage) as error:
        parse_message(message)
    assert says in str(error.value)


def test_a_turn_joins_its_segments_and_takes_each_once() -> None:
    turn = TurnTranscript()
    assert turn.interim(parsed(results("what is", 0, 0.5))) == "what is"
    assert turn.add_final(parsed(results("What is the weather", 0, 1.0, is_final=True)))
    assert not turn.awaiting_words
    assert not turn.add_final(parsed(results("What is the weather", 0, 1.0, is_final=True)))  # sent twice
    assert turn.interim(parsed(results("the weather", 0.2, 0.6))) is None  # audio already final
    assert turn.interim(parsed(results("in Paris", 1.0, 0.5))) == "What is the weather in Paris"
    assert turn.awaiting_words
    assert turn.add_final(parsed(results("in Paris?", 1.0, 0.6, is_final=True, speech_final=True)))
    assert turn.complete() == "What is the weather in Paris?"
    assert turn.complete() is None  # nothing twice


def test_a_new_stream_counts_time_from_zero_and_keeps_the_segments() -> None:
    turn = TurnTranscript()
    turn.add_final(parsed(results("Stop,", 0, 2.0, is_final=True)))
    turn.new_stream()
    assert turn.add_final(parsed(results("wait.", 0, 1.0, is_final=True, from_finalize=True)))
    assert turn.complete() == "Stop, wait."


def test_the_stream_url_carries_the_settings() -> None:
    options = ListenOptions(
        model="nova-2",
        language="en-US",
        endpointing=0,
        smart_format=False,
        utterance_end_ms=1000,
        vad_events=True,
        keyterms=("Paris", "rtvi core"),
        extra_params={"diarize": True, "tag": "a&b"},
    )
    assert options.url("wss://api.deepgram.com", 8000) == (
        "wss://api.deepgram.com/v1/listen?model=nova-2&language=en-US&encoding=linear16&sample_rate=8000"
        "&channels=1&interim_results=true&smart_format=false&punctuate=true&endpointing=false"
        "&utterance_end_ms=1000&vad_events=true&keyterm=Paris&keyterm=rtvi+core&diarize=true&tag=a%26b"
    )


@pytest.mark.parametrize(
    ("url", "root"),
    [
        ("wss://api.deepgram.com/", "wss://api.deepgram.com"),
        ("https://api.eu.deepgram.com", "wss://api.eu.deepgram.com"),
        ("http://127.0.0.1:8080/proxy/", "ws://127.0.0.1:8080/proxy"),
    ],
)
def test_base_urls(url: str, root: str) -> None:
    assert check_base_url(url) == root


@pytest.mark.parametrize("url", ["api.deepgram.com", "ftp://x", "wss://", "wss://h/?a=1", ""])
def test_bad_base_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match=r"base_url must be a wss:// .* URL such as wss://api\.deepgram\.com"):
        check_base_url(url)


def test_handshake_and_close_wording() -> None:
    error = handshake_error(429, {"retry-after": "Wed, 21 Oct 2026 07:28:00 GMT"}, b"", "wss://h/v1/listen", "k")
    assert error.retry and error.retry_after is None and "retry after" not in str(error)
    error = handshake_error(418, {}, b"<html>\x00</html>", "wss://h/v1/listen", "k")
    assert (
        str(error)
        == "Deepgram refused the stream (HTTP 418 from wss://h/v1/listen): HTTP 418; check base_url and the [stt] settings"
    )
    assert not handshake_error(403, {}, b"", "u", "k").retry
    assert str(close_error(1008, "DATA-0000")) == "Deepgram could not decode the audio (DATA-0000)"
    assert str(close_error(1000, "")) == "Deepgram closed the stream (1000)"
    assert str(close_error(4000, "x" * 500)).endswith("x" * 200 + ")")
