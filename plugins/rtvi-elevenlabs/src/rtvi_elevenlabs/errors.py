"""``ElevenLabsError`` and the wording of ElevenLabs' failures (what the RTVI client reads).

ElevenLabs refuses a WebSocket upgrade with an HTTP status and a JSON body
``{"detail": {"status" | "code", "message"}}`` (or ``{"detail": "..."}``); once the socket
is open it reports a failure as a message ``{"message", "error", "code"}`` and usually
closes the socket with a close code and reason. Each error names the provider, says
what happened and what to do.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

#: What happened and what to do, by HTTP status of a refused upgrade ({key}: where the key comes from).
_BY_STATUS = {
    400: ("refused the request", "check the bot file's [tts] model, voice_id and language"),
    401: ("rejected the API key", "set a valid key in {key}"),
    403: ("refused the request", "this key may not use this voice or model"),
    404: ("found no such voice or path", "check voice_id and base_url"),
    422: ("refused the request's parameters", "check the bot file's [tts] model and voice_id"),
    429: ("rate or concurrency limit reached", "wait, or raise the account's limits"),
}

#: Advice by the ``error``/``status`` word of an error message or body.
_ADVICE = {
    "invalid_api_key": "set a valid key in {key}",
    "quota_exceeded": "the account's character quota is used up: raise it or wait for the next period",
    "max_active_conversations": "too many open contexts on one socket; try again",
    "voice_not_found": "check voice_id",
    "model_not_found": "check model",
    "rate_limit_exceeded": "wait, or raise the account's limits",
    "too_many_concurrent_requests": "wait, or raise the account's limits",
}


class ElevenLabsError(Exception):
    """A text-to-speech request to ElevenLabs failed; ``str(error)`` is the message for the client."""


def handshake_error(status: int, headers: Mapping[str, str], body: bytes, key_source: str) -> ElevenLabsError:
    """The error for an upgrade refused with ``status``."""
    kind, detail = _body_detail(body)
    if status >= 500:
        headline, advice = "had an internal error", "try again in a moment"
    else:
        headline, advice = _BY_STATUS.get(status, ("refused the connection", "check base_url and the [tts] settings"))
    retry = headers.get("retry-after")
    retry_text = f"; retry after {retry} s" if status == 429 and retry else ""
    advice = _ADVICE.get(kind or "", advice).format(key=key_source)
    return ElevenLabsError(f"ElevenLabs {headline} (HTTP {status}{retry_text}): {detail or 'no detail'}; {advice}")


def message_error(message: Mapping[str, Any], key_source: str) -> ElevenLabsError:
    """The error for an error message ElevenLabs sent on the socket."""
    kind = message.get("error")
    kind = kind if isinstance(kind, str) and kind else "error"
    text = message.get("message")
    detail = text[:300] if isinstance(text, str) and text else kind
    advice = _ADVICE.get(kind, "check the bot file's [tts] settings, or try again").format(key=key_source)
    return ElevenLabsError(f"ElevenLabs reported an error ({kind}): {detail}; {advice}")


def closed_error(code: int | None, reason: str, while_doing: str) -> ElevenLabsError:
    """The error for a socket that closed ``while_doing`` something ("mid-sentence")."""
    how = f"code {code}" if code is not None else "no close code"
    detail = f": {reason[:300]}" if reason else ""
    return ElevenLabsError(
        f"ElevenLabs closed the connection {while_doing} ({how}){detail}; the sentence is cut short, "
        "the next one reconnects"
    )


def _body_detail(body: bytes) -> tuple[str | None, str]:
    """The error word and message of a refusal's body (its text if it is not JSON)."""
    try:
        data = json.loads(body)
    except ValueError:
        return None, body.decode("utf-8", "replace").strip()[:300]
    detail = data.get("detail") if isinstance(data, dict) else None
    if isinstance(detail, str):
        return None, detail[:300]
    if isinstance(detail, dict):
        kind = detail.get("status") or detail.get("code")
        message = detail.get("message")
        return (
            kind if isinstance(kind, str) else None,
            message[:300] if isinstance(message, str) else json.dumps(detail)[:300],
        )
    return None, json.dumps(data)[:300]
