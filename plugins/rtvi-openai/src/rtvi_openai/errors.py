"""``OpenAIRequestError`` and the wording of HTTP failures (what the RTVI client reads)."""

from __future__ import annotations

import json
from collections.abc import Mapping

#: At most this much of a server's error text goes into a message.
_MAX_DETAIL = 300


class OpenAIRequestError(Exception):
    """A chat completion request failed; ``str(error)`` is the message for the client."""


def status_error(url: str, status: int, headers: Mapping[str, str], body: bytes) -> OpenAIRequestError:
    """The error for a non-200 answer, with the server's own message when it gave one."""
    detail = server_message(body) or f"HTTP {status}"
    if status in (401, 403):
        return OpenAIRequestError(f"{url} rejected the API key (HTTP {status}): {detail}")
    if status == 429:
        retry_after = headers.get("retry-after")
        retry = f"; retry after {retry_after} s" if retry_after else ""
        return OpenAIRequestError(f"rate limited by {url} (HTTP 429{retry}): {detail}")
    if status == 404:
        return OpenAIRequestError(f"{url} answered HTTP 404 (check base_url and model): {detail}")
    return OpenAIRequestError(f"{url} answered HTTP {status}: {detail}")


def server_message(body: bytes) -> str:
    """The message in an error body: OpenAI's ``{"error": {"message"}}``, Ollama's
    ``{"error": "..."}``, ``{"message"}``/``{"detail"}``, or the text itself (shortened)."""
    text = body.decode("utf-8", errors="replace").strip()
    try:
        data = json.loads(text)
    except ValueError:
        return _shorten(text)
    return _shorten(error_text(data) or text)


def error_text(data: object) -> str | None:
    """The message of a decoded error object, or None if ``data`` holds none."""
    if not isinstance(data, dict):
        return None
    for key in ("error", "message", "detail"):
        value = data.get(key)
        if isinstance(value, str) and value:
            return value
        if isinstance(value, dict):
            nested = error_text(value)
            if nested:
                return nested
    return None


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_DETAIL else text[: _MAX_DETAIL - 3] + "..."
