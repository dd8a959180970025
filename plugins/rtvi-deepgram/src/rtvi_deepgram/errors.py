"""``DeepgramError`` and the wording of Deepgram's failures (what the RTVI client reads).

Deepgram refuses a stream at the WebSocket upgrade with an HTTP status, a ``dg-error``
header and a JSON body ``{"err_code", "err_msg", "request_id"}``; it ends a running
stream with a close frame whose reason names the cause (``DATA-0000``: audio it cannot
decode, ``NET-0000``/``NET-0001``: nothing sent or received within its timeout). Each
message names Deepgram and says what to do; :attr:`DeepgramError.retry` says whether
connecting again may help.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

#: What happened and what to do, by handshake status ({key} names where the key comes from).
_STATUS_WORDING = {
    400: ("refused the stream's settings", "check the bot file's [stt] settings (model, language, keyterms...)"),
    401: ("rejected the API key", "set a valid key in {key}"),
    402: ("refused the stream: the account has no credit left", "add credit to the Deepgram project"),
    403: ("refused the stream", "this key may not use this model or feature"),
    404: ("found no listen endpoint", "check base_url"),
    429: ("rate limit reached", "wait, or raise the project's concurrency limit"),
}

#: Statuses after which connecting again cannot help: the session stops transcribing.
_FINAL_STATUSES = frozenset({400, 401, 402, 403, 404})

#: Close-frame reasons Deepgram documents, worded for the client.
_CLOSE_WORDING = {
    "DATA-0000": "could not decode the audio (DATA-0000)",
    "NET-0000": "sent no result within its timeout (NET-0000)",
    "NET-0001": "received no audio within its timeout (NET-0001)",
}


class DeepgramError(Exception):
    """A Deepgram stream failed; ``str(error)`` is the message for the client.

    ``retry``: connecting again may help; ``retry_after``: seconds the server asked
    to wait first (a 429's ``retry-after``), if any.
    """

    def __init__(self, message: str, *, retry: bool = True, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry = retry
        self.retry_after = retry_after


def handshake_error(status: int, headers: Mapping[str, str], body: bytes, url: str, key_source: str) -> DeepgramError:
    """The error for a refused WebSocket upgrade (any status but 101)."""
    headline, advice = _STATUS_WORDING.get(status, ("had a server error", ""))
    if status not in _STATUS_WORDING and status < 500:
        headline, advice = "refused the stream", "check base_url and the [stt] settings"
    detail = _body_message(body) or headers.get("dg-error") or _body_text(body) or f"HTTP {status}"
    retry_after = _seconds(headers.get("retry-after")) if status == 429 else None
    wait = f"; retry after {retry_after:g} s" if retry_after is not None else ""
    message = f"Deepgram {headline} (HTTP {status} from {url}{wait}): {detail[:300]}"
    if advice:
        message += f"; {advice.format(key=key_source)}"
    return DeepgramError(message, retry=status not in _FINAL_STATUSES, retry_after=retry_after)


def close_error(code: int | None, reason: str) -> DeepgramError:
    """The error for a stream Deepgram closed (or that dropped) while it was in use."""
    if code is None or code == 1006:
        return DeepgramError("Deepgram's stream dropped (no close frame)")
    what = next((text for tag, text in _CLOSE_WORDING.items() if tag in reason), None)
    if what is None:
        what = f"closed the stream ({code}{': ' + reason[:200] if reason else ''})"
    return DeepgramError(f"Deepgram {what}")


def _body_message(body: bytes) -> str | None:
    """``"<err_code>: <err_msg>"`` from a JSON error body, or None."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    parts = [data.get(key) for key in ("err_code", "err_msg")]
    text = ": ".join(part for part in parts if isinstance(part, str) and part)
    return text or None


def _body_text(body: bytes) -> str | None:
    """A short plain-text body (a proxy's answer), or None."""
    text = body[:300].decode("utf-8", "replace").strip()
    return text if text and text.isprintable() else None


def _seconds(value: str | None) -> float | None:
    """A ``retry-after`` in seconds (HTTP dates are not worth parsing here), or None."""
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    return seconds if seconds is not None and 0 <= seconds < 3600 else None
