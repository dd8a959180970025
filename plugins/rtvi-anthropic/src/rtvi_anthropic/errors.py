"""``AnthropicRequestError`` and the wording of Anthropic's failures (what the RTVI client reads).

Anthropic answers a failure with ``{"type": "error", "error": {"type", "message"}}``,
as the body of an HTTP error or as an ``error`` event in the middle of a stream; the
error ``type`` says what went wrong, and each message says what to do about it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from rtvi_openai.cloud_llm import CloudRequestError
from rtvi_openai.errors import error_text, server_message

#: Error type by HTTP status, for answers whose body names none (a proxy's, say).
_TYPE_BY_STATUS = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    529: "overloaded_error",
}

#: What happened and what to do, by error type ({key} names where the key comes from).
_WORDING = {
    "authentication_error": ("rejected the API key", "set a valid key in {key}"),
    "permission_error": ("refused the request", "this key may not use this model or feature"),
    "not_found_error": ("found no such model or path", "check model and base_url"),
    "request_too_large": ("found the request too large", "shorten the context"),
    "rate_limit_error": ("rate limit reached", "wait, or raise the account's rate limits"),
    "overloaded_error": ("is overloaded", "try again in a moment"),
    "api_error": ("had an internal error", "try again in a moment"),
    "invalid_request_error": ("refused the request", "check the bot file's llm settings"),
}


class AnthropicRequestError(CloudRequestError):
    """A Messages API request failed; ``str(error)`` is the message for the client."""


def status_error(status: int, headers: Mapping[str, str], body: bytes, key_source: str) -> AnthropicRequestError:
    """The error for a non-200 answer, worded by the error type Anthropic gave."""
    kind = _body_error_type(body) or _TYPE_BY_STATUS.get(status)
    if kind is None:
        kind = "api_error" if status >= 500 else "invalid_request_error"
    detail = server_message(body) or f"HTTP {status}"
    retry = headers.get("retry-after")
    retry_text = f"; retry after {retry} s" if status == 429 and retry else ""
    return described_error(kind, f"HTTP {status} {kind}{retry_text}", detail, key_source)


def event_error(event: Mapping[str, Any], key_source: str) -> AnthropicRequestError:
    """The error for an ``error`` event in the stream."""
    error = event.get("error")
    kind = error.get("type") if isinstance(error, dict) else None
    kind = kind if isinstance(kind, str) and kind else "api_error"
    detail = (error_text(event) or kind)[:300]
    return described_error(kind, f"{kind} mid-stream", detail, key_source)


def described_error(kind: str, what: str, detail: str, key_source: str) -> AnthropicRequestError:
    """``Anthropic <headline> (<what>): <detail>; <advice>``."""
    headline, advice = _WORDING.get(kind, ("reported an error", "try again in a moment"))
    advice = advice.format(key=key_source)
    return AnthropicRequestError(f"Anthropic {headline} ({what}): {detail}; {advice}")


def _body_error_type(body: bytes) -> str | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    error = data.get("error") if isinstance(data, dict) else None
    kind = error.get("type") if isinstance(error, dict) else None
    return kind if isinstance(kind, str) and kind else None
