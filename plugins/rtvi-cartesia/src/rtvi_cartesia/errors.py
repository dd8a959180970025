"""``CartesiaError`` and the wording of Cartesia's failures (what the RTVI client reads).

Every message starts with "Cartesia", says what happened and what to do about it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping


class CartesiaError(Exception):
    """A synthesis failed; ``str(error)`` is the message for the client."""


#: What happened and what to do, by HTTP status (of the handshake, or of an error event).
_BY_STATUS = {
    400: ("refused the request", "check the bot file's tts settings (voice, model, language)"),
    401: ("rejected the API key", "set a valid key in {key}"),
    402: ("refused the request: the account is out of credits", "add credits to the Cartesia account"),
    403: ("rejected the API key", "set a valid key in {key}"),
    404: ("found no such endpoint", "check base_url"),
    429: ("rate limit reached", "wait, or raise the account's concurrency limit"),
}
_SERVER_ERROR = ("had a server error", "try again in a moment")
_OTHER = ("refused the request", "check the bot file's tts settings")


def _wording(status: int | None, key_source: str) -> tuple[str, str]:
    if status is None or status >= 500:
        return _SERVER_ERROR
    headline, advice = _BY_STATUS.get(status, _OTHER)
    return headline, advice.format(key=key_source)


def handshake_error(status: int, headers: Mapping[str, str], body: bytes, key_source: str) -> CartesiaError:
    """The error for a WebSocket upgrade answered with HTTP ``status``."""
    headline, advice = _wording(status, key_source)
    retry = headers.get("retry-after")
    retry_text = f"; retry after {retry} s" if status == 429 and retry else ""
    detail = _body_message(body) or f"HTTP {status}"
    return CartesiaError(f"Cartesia {headline} (HTTP {status}{retry_text}): {detail}; {advice}")


def event_error(status: int | None, message: str, key_source: str) -> CartesiaError:
    """The error for an ``error`` event."""
    headline, advice = _wording(status, key_source)
    code = f"error event, status {status}" if status is not None else "error event"
    return CartesiaError(f"Cartesia {headline} ({code}): {_shorten(message)}; {advice}")


def no_key_error(url: str, key_source: str) -> CartesiaError:
    """The error when no API key is set for a server that needs one."""
    return CartesiaError(f"Cartesia: no API key for {url}: set {key_source}")


def _body_message(body: bytes) -> str:
    text = body.decode("utf-8", errors="replace").strip()
    try:
        data = json.loads(text)
    except ValueError:
        return _shorten(text)
    if isinstance(data, dict):
        for key in ("message", "error", "detail", "title"):
            value = data.get(key)
            if isinstance(value, str) and value:
                return _shorten(value)
    return _shorten(text)


def _shorten(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
