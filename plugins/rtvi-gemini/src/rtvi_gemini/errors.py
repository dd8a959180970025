"""``GeminiRequestError`` and the wording of Gemini's failures (what the RTVI client reads).

Google APIs answer a failure with ``{"error": {"code", "message", "status", "details"}}``
(``status`` a ``google.rpc.Code`` name such as ``RESOURCE_EXHAUSTED``; ``details`` may
hold an ``ErrorInfo`` with a ``reason`` such as ``API_KEY_INVALID`` and a ``RetryInfo``
with a ``retryDelay``), as the body of an HTTP error or as a chunk of the stream. The
status says what went wrong, and each message says what to do about it. A reply the
model stopped for a reason other than its end (safety, recitation, a malformed tool
call) or a prompt Gemini blocked is worded here too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from rtvi_openai.cloud_llm import CloudRequestError
from rtvi_openai.errors import server_message

#: ``google.rpc`` status by HTTP status, for answers whose body names none (a proxy's).
_STATUS_BY_HTTP = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}

#: What happened and what to do, by status or reason ({key} names where the key comes from).
_WORDING = {
    "API_KEY_INVALID": ("rejected the API key", "set a valid key in {key}"),
    "UNAUTHENTICATED": ("rejected the API key", "set a valid key in {key}"),
    "PERMISSION_DENIED": ("refused access", "check the key in {key} and that its project may use this model"),
    "NOT_FOUND": ("found no such model or path", "check model, api_version and base_url"),
    "RESOURCE_EXHAUSTED": ("quota or rate limit reached", "wait, or raise the project's quota"),
    "UNAVAILABLE": ("is overloaded or unavailable", "try again in a moment"),
    "INTERNAL": ("had an internal error", "try again in a moment"),
    "DEADLINE_EXCEEDED": ("ran out of time", "try again, or shorten the context"),
    "INVALID_ARGUMENT": ("refused the request", "check the bot file's llm settings"),
    "FAILED_PRECONDITION": ("refused the request", "check the bot file's llm settings and the account"),
}

#: Why a reply stopped early, by ``finishReason``, and what to do.
_FINISH_WORDING = {
    "SAFETY": "for safety; rephrase, or change safetySettings through extra_body",
    "PROHIBITED_CONTENT": "for prohibited content; rephrase",
    "BLOCKLIST": "for a blocked term; rephrase",
    "SPII": "for sensitive personal information; rephrase",
    "IMAGE_SAFETY": "for an image's safety; use another image",
    "RECITATION": "as it would recite protected material; rephrase",
    "MALFORMED_FUNCTION_CALL": "with a malformed tool call; try again",
    "UNEXPECTED_TOOL_CALL": "with a call to a tool it was not given; try again",
    "TOO_MANY_TOOL_CALLS": "after too many tool calls; try again",
}

#: ``finishReason`` values of a reply that ended as it should.
FINISHED = frozenset({"STOP", "MAX_TOKENS"})


class GeminiRequestError(CloudRequestError):
    """A ``generateContent`` request failed; ``str(error)`` is the message for the client."""


def status_error(status: int, headers: Mapping[str, str], body: bytes, key_source: str) -> GeminiRequestError:
    """The error for a non-200 answer, worded by the status (or reason) Google gave."""
    error = _error_object(body)
    kind = _kind(error) or _STATUS_BY_HTTP.get(status)
    if kind is None:
        kind = "INTERNAL" if status >= 500 else "INVALID_ARGUMENT"
    detail = server_message(body) or f"HTTP {status}"
    retry = _retry_delay(error) or headers.get("retry-after")
    retry_text = f"; retry after {retry} s" if status == 429 and retry else ""
    return described_error(kind, f"HTTP {status} {kind}{retry_text}", detail, key_source)


def chunk_error(chunk: Mapping[str, Any], key_source: str) -> GeminiRequestError:
    """The error for a chunk of the stream that holds an ``error`` object."""
    error = chunk.get("error")
    error = error if isinstance(error, dict) else {"message": str(error)}
    kind = _kind(error) or "INTERNAL"
    detail = str(error.get("message") or kind)[:300]
    return described_error(kind, f"{kind} mid-stream", detail, key_source)


def described_error(kind: str, what: str, detail: str, key_source: str) -> GeminiRequestError:
    """``Gemini <headline> (<what>): <detail>; <advice>``."""
    headline, advice = _WORDING.get(kind, ("reported an error", "try again in a moment"))
    advice = advice.format(key=key_source)
    return GeminiRequestError(f"Gemini {headline} ({what}): {detail}; {advice}")


def stopped_error(finish_reason: str) -> GeminiRequestError:
    """The error for a reply that stopped with ``finish_reason`` (not STOP/MAX_TOKENS)."""
    why = _FINISH_WORDING.get(finish_reason, "early; try again")
    return GeminiRequestError(f"Gemini stopped the reply (finishReason {finish_reason}) {why}")


def blocked_error(block_reason: str, message: str | None) -> GeminiRequestError:
    """The error for a prompt Gemini refused to answer (``promptFeedback.blockReason``)."""
    detail = f": {message[:300]}" if message else ""
    return GeminiRequestError(
        f"Gemini blocked the prompt (blockReason {block_reason}){detail}; rephrase, or change "
        "safetySettings through extra_body"
    )


def _error_object(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except ValueError:
        return {}
    if isinstance(data, list) and data:  # some Google front ends wrap the error in a list
        data = data[0]
    error = data.get("error") if isinstance(data, dict) else None
    return error if isinstance(error, dict) else {}


def _kind(error: Mapping[str, Any]) -> str | None:
    """The ``ErrorInfo`` reason when it is one worded here, else the status name."""
    for detail in _details(error):
        reason = detail.get("reason")
        if isinstance(reason, str) and reason in _WORDING:  # a list or object here is no reason
            return reason
    status = error.get("status")
    return status if isinstance(status, str) and status else None


def _retry_delay(error: Mapping[str, Any]) -> str | None:
    """The seconds of a ``RetryInfo`` detail (``"37s"`` → ``"37"``), if any."""
    for detail in _details(error):
        match = re.fullmatch(r"(\d+)(?:\.\d+)?s", str(detail.get("retryDelay", "")))
        if match:
            return match[1]
    return None


def _details(error: Mapping[str, Any]) -> list[dict[str, Any]]:
    details = error.get("details")
    return [d for d in details if isinstance(d, dict)] if isinstance(details, list) else []
