"""Cartesia's server events, decoded and checked: ``parse_event`` and what it returns.

The TTS WebSocket sends JSON text messages, each with a ``type`` and the
``context_id`` it belongs to: ``chunk`` (base64 audio in ``data``), ``timestamps``
(``word_timestamps``: ``words``, ``start``, ``end`` in seconds from the start of the
context's audio), ``flush_done`` (everything sent before a flush was spoken),
``done`` (the context is finished) and ``error``. Other types (``phoneme_timestamps``,
types added later) are :class:`Ignored`.
"""

from __future__ import annotations

import binascii
import json
import math
from base64 import b64decode
from typing import Any, NamedTuple


class MalformedEvent(ValueError):
    """A message that is not a well-formed Cartesia event; ``str()`` says what is wrong."""


class Chunk(NamedTuple):
    """Audio of a context (raw PCM in the requested format)."""

    context_id: str
    audio: bytes


class Timestamps(NamedTuple):
    """Start times of words, in seconds from the start of the context's audio."""

    context_id: str
    words: list[tuple[str, float]]


class FlushDone(NamedTuple):
    """The audio of everything sent to the context before a flush has been sent."""

    context_id: str


class Done(NamedTuple):
    """The context is finished: no more events for it."""

    context_id: str


class ErrorEvent(NamedTuple):
    """Cartesia reports a failure (of a context, or of the connection when ``context_id`` is None)."""

    context_id: str | None
    status: int | None
    message: str


class Ignored(NamedTuple):
    """An event of another type (``phoneme_timestamps``, a type added later)."""

    context_id: str | None
    kind: str


Event = Chunk | Timestamps | FlushDone | Done | ErrorEvent | Ignored


def parse_event(message: str | bytes) -> Event:
    """Decode one WebSocket message; :class:`MalformedEvent` says what is wrong with it."""
    if isinstance(message, bytes):
        raise MalformedEvent(f"a binary message ({len(message)} bytes) where JSON text belongs")
    try:
        data = json.loads(message)
    except ValueError:
        raise MalformedEvent(f"a message is not JSON: {_excerpt(message)}") from None
    if not isinstance(data, dict):
        raise MalformedEvent(f"a message is not a JSON object: {_excerpt(message)}")
    kind = data.get("type")
    if not isinstance(kind, str):
        raise MalformedEvent(f"a message has no type: {_excerpt(message)}")
    context_id = data.get("context_id")
    if context_id is not None and not isinstance(context_id, str):
        raise MalformedEvent(f"a {kind} event's context_id is not a string: {context_id!r}")
    if kind == "error":
        return _error(data, context_id)
    if kind not in ("chunk", "timestamps", "flush_done", "done"):
        return Ignored(context_id, kind)
    if context_id is None:
        raise MalformedEvent(f"a {kind} event has no context_id")
    if kind == "chunk":
        return Chunk(context_id, _audio(data.get("data")))
    if kind == "timestamps":
        return Timestamps(context_id, _words(data.get("word_timestamps")))
    if kind == "flush_done":
        return FlushDone(context_id)
    return Done(context_id)


def _audio(data: Any) -> bytes:
    if not isinstance(data, str):
        raise MalformedEvent(f"a chunk event's data is not a base64 string: {_excerpt(repr(data))}")
    try:
        return b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise MalformedEvent(f"a chunk event's data is not valid base64: {_excerpt(data)}") from None


def _words(timestamps: Any) -> list[tuple[str, float]]:
    if not isinstance(timestamps, dict):
        raise MalformedEvent("a timestamps event has no word_timestamps object")
    words, starts = timestamps.get("words"), timestamps.get("start")
    if not isinstance(words, list) or not isinstance(starts, list) or len(words) != len(starts):
        raise MalformedEvent("a timestamps event's words and start are not lists of the same length")
    pairs = []
    for word, start in zip(words, starts):
        if (
            not isinstance(word, str)
            or isinstance(start, bool)
            or not isinstance(start, (int, float))
            or not 0 <= start < math.inf
        ):
            raise MalformedEvent(f"a timestamps event has a bad word or start time: {word!r} at {start!r}")
        pairs.append((word, float(start)))
    return pairs


def _error(data: dict[str, Any], context_id: str | None) -> ErrorEvent:
    status = data.get("status_code")
    title, text, error = (_text(data.get(key)) for key in ("title", "message", "error"))
    if text:  # the current form: a title and a message (and an error_code)
        message = f"{title}: {text}" if title else text
    else:  # the older form: "error": "<title>: <message>"
        message = error or title or _text(data.get("error_code")) or "no message"
    return ErrorEvent(context_id, status if isinstance(status, int) and not isinstance(status, bool) else None, message)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= 80 else text[:77] + "...")
