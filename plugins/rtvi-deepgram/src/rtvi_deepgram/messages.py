"""The messages of Deepgram's live ``listen`` API: the client's controls, the server's events.

The client sends binary audio and the JSON controls :data:`KEEP_ALIVE`,
:data:`FINALIZE` and :data:`CLOSE_STREAM`. The server sends JSON text messages, each
with a ``type``: ``Results`` (a transcript, interim or final), ``UtteranceEnd``,
``SpeechStarted``, ``Metadata`` (when the stream closes) and ``Error``.
:func:`parse_message` turns one into an event, or raises :class:`MalformedMessage`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

KEEP_ALIVE = '{"type": "KeepAlive"}'
FINALIZE = '{"type": "Finalize"}'
CLOSE_STREAM = '{"type": "CloseStream"}'


class MalformedMessage(ValueError):
    """A server message that is not what the API reference describes."""


@dataclass(frozen=True, slots=True)
class Results:
    """A transcript of the audio from ``start`` for ``duration`` seconds of the stream."""

    transcript: str
    is_final: bool
    speech_final: bool
    from_finalize: bool
    start: float
    duration: float
    #: The language detected (multilingual models), if the result names one.
    language: str | None
    #: The message as received, for ``TranscriptionFrame.result``.
    raw: dict[str, Any]

    @property
    def end(self) -> float:
        """Where the transcribed audio ends, in seconds of the stream."""
        return self.start + self.duration


@dataclass(frozen=True, slots=True)
class UtteranceEnd:
    """No word for ``utterance_end_ms`` after the word ending at ``last_word_end``."""

    last_word_end: float


@dataclass(frozen=True, slots=True)
class SpeechStarted:
    """Deepgram's own VAD heard speech start at ``timestamp`` (``vad_events``)."""

    timestamp: float


@dataclass(frozen=True, slots=True)
class Metadata:
    """The stream's summary, sent before the server closes it."""

    request_id: str


@dataclass(frozen=True, slots=True)
class ServerError:
    """An ``Error`` message: the server reports a failure, usually before closing."""

    description: str


Event = Results | UtteranceEnd | SpeechStarted | Metadata | ServerError


def parse_message(text: str | bytes) -> Event | None:
    """The event in one server message; None for a ``type`` this client does not use.

    :class:`MalformedMessage` says what is wrong with a message that is not JSON, not
    an object, has no ``type``, or has fields of the wrong type.
    """
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise MalformedMessage(f"not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise MalformedMessage(f"a JSON {type(data).__name__}, not an object")
    kind = data.get("type")
    if not isinstance(kind, str):
        raise MalformedMessage("no 'type'")
    if kind == "Results":
        return _results(data)
    if kind == "UtteranceEnd":
        return UtteranceEnd(_number(data, "last_word_end"))
    if kind == "SpeechStarted":
        return SpeechStarted(_number(data, "timestamp"))
    if kind == "Metadata":
        request_id = data.get("request_id", "")
        return Metadata(request_id if isinstance(request_id, str) else "")
    if kind == "Error":
        parts = [data.get(key) for key in ("description", "message", "variant")]
        return ServerError("; ".join(str(part) for part in parts if part) or "no description")
    return None


def _results(data: dict[str, Any]) -> Results:
    channel = data.get("channel")
    alternatives = channel.get("alternatives") if isinstance(channel, dict) else None
    if not isinstance(alternatives, list) or not alternatives or not isinstance(alternatives[0], dict):
        raise MalformedMessage("Results without channel.alternatives")
    best = alternatives[0]
    transcript = best.get("transcript")
    if not isinstance(transcript, str):
        raise MalformedMessage("Results whose transcript is not a string")
    languages = best.get("languages")
    language = languages[0] if isinstance(languages, list) and languages and isinstance(languages[0], str) else None
    return Results(
        transcript=transcript,
        is_final=_flag(data, "is_final"),
        speech_final=_flag(data, "speech_final"),
        from_finalize=_flag(data, "from_finalize"),
        start=_number(data, "start"),
        duration=_number(data, "duration"),
        language=language,
        raw=data,
    )


def _flag(data: dict[str, Any], key: str) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise MalformedMessage(f"{data['type']} whose {key} is not a boolean: {value!r}"[:200])
    return value


def _number(data: dict[str, Any], key: str) -> float:
    value = data.get(key, 0.0)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise MalformedMessage(f"{data['type']} whose {key} is not a number: {value!r}"[:200])
    return float(value)
