"""The messages of the multi-context WebSocket: what the plugin sends, and reading what it gets.

Client messages (JSON text frames): ``{"text", "context_id", "voice_settings"?}`` opens a
context, ``{"text", "context_id", "flush": true}`` adds text and generates it now,
``{"context_id", "close_context": true}`` ends a context (the interruption's cancel),
``{"text": ""}`` keeps the socket alive, ``{"close_socket": true}`` ends the session.

Server messages: ``{"audio": <base64 PCM>, "alignment", "normalizedAlignment",
"contextId"}`` (alignments: ``{"chars", "charStartTimesMs", "charsDurationsMs"}``, times
from the start of the message's audio), ``{"isFinal": true, "contextId"}`` once a closed
context is done, and ``{"message", "error", "code"}`` for a failure.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any


def open_context(context_id: str, voice_settings: dict[str, Any]) -> str:
    """The first message of a context (a single space, as the API asks), with the voice settings."""
    message: dict[str, Any] = {"text": " ", "context_id": context_id}
    if voice_settings:
        message["voice_settings"] = voice_settings
    return json.dumps(message)


def send_text(context_id: str, text: str) -> str:
    """A sentence for ``context_id``, generated at once (``flush``); the API wants a trailing space."""
    return json.dumps({"text": f"{text} ", "context_id": context_id, "flush": True})


def close_context(context_id: str) -> str:
    """Ends ``context_id``: the provider stops generating it."""
    return json.dumps({"context_id": context_id, "close_context": True})


KEEPALIVE = json.dumps({"text": ""})
CLOSE_SOCKET = json.dumps({"close_socket": True})


@dataclass(frozen=True)
class Alignment:
    """Character timings of one audio chunk: ``chars[i]`` starts ``starts_ms[i]`` ms into it."""

    chars: list[str]
    starts_ms: list[float]


@dataclass(frozen=True)
class ServerMessage:
    """One decoded server message (an error message has ``error`` set and nothing else)."""

    context_id: str | None = None
    audio: bytes = b""
    alignment: Alignment | None = None
    is_final: bool = False
    error: dict[str, Any] | None = None


def parse_message(raw: str | bytes) -> ServerMessage:
    """Decode one server message; ``ValueError`` says what is wrong with a malformed one."""
    if isinstance(raw, bytes):
        raise ValueError(f"a binary frame of {len(raw)} bytes (the API sends JSON text)")
    try:
        data = json.loads(raw)
    except ValueError:
        raise ValueError(f"a message that is not JSON: {raw[:80]!r}") from None
    if not isinstance(data, dict):
        raise ValueError(f"a message that is not a JSON object: {raw[:80]!r}")
    context_id = data.get("contextId", data.get("context_id"))
    if context_id is not None and not isinstance(context_id, str):
        raise ValueError(f"a contextId that is not a string: {context_id!r:.60}")
    if data.get("error") is not None or ("message" in data and "audio" not in data):
        return ServerMessage(context_id=context_id, error=data)
    is_final = data.get("isFinal", data.get("is_final"))
    audio = data.get("audio")
    if "audio" not in data and is_final is None:
        raise ValueError(f"a message with neither audio nor isFinal: {raw[:80]!r}")
    if is_final is not None and not isinstance(is_final, bool):
        raise ValueError(f"an isFinal that is not a boolean: {is_final!r:.60}")
    alignment = data.get("alignment") or data.get("normalizedAlignment")
    return ServerMessage(
        context_id=context_id,
        audio=_audio(audio),
        alignment=_alignment(alignment) if alignment is not None else None,
        is_final=bool(is_final),
    )


def _audio(value: Any) -> bytes:
    if value is None:
        return b""
    if not isinstance(value, str):
        raise ValueError(f"audio that is not a base64 string: {value!r:.60}")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"audio that is not valid base64: {value[:40]!r}") from None


def _alignment(value: Any) -> Alignment:
    if not isinstance(value, dict):
        raise ValueError(f"an alignment that is not an object: {value!r:.60}")
    chars, starts = value.get("chars"), value.get("charStartTimesMs")
    if not isinstance(chars, list) or not all(isinstance(c, str) for c in chars):
        raise ValueError(f"alignment chars that are not a list of strings: {chars!r:.60}")
    if not isinstance(starts, list) or not all(_is_number(t) for t in starts):
        raise ValueError(f"alignment charStartTimesMs that are not a list of numbers: {starts!r:.60}")
    if len(chars) != len(starts):
        raise ValueError(f"an alignment with {len(chars)} chars but {len(starts)} start times")
    return Alignment(chars=chars, starts_ms=[float(t) for t in starts])


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0
