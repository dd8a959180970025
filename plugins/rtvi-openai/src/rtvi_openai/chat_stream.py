"""``stream_chat_completion``: one streamed ``/chat/completions`` request, chunk by chunk.

This module imports httpx; the service imports it on first use.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from typing import Any

import httpx

from .errors import OpenAIRequestError, error_text, status_error
from .json_object import parse_json_object
from .sse import sse_data

#: The data of the event that ends a chat completion stream.
DONE = "[DONE]"


async def stream_chat_completion(
    client: httpx.AsyncClient, url: str, headers: Mapping[str, str], body: dict[str, Any]
) -> AsyncGenerator[dict[str, Any], None]:
    """POST ``body`` to ``url`` and yield each decoded chunk of the streamed answer.

    Every failure — unreachable server, timeout, non-200 status, a stream that is
    not SSE of JSON objects, an error reported mid-stream, a stream cut before its
    end — raises :class:`OpenAIRequestError` with a message naming ``url``. Iterate
    it inside ``contextlib.aclosing`` so that stopping early closes the response.
    """
    try:
        content = json.dumps(body).encode()
    except (TypeError, ValueError) as exc:
        raise OpenAIRequestError(f"cannot encode the request to {url}: {exc}") from exc
    try:
        async with client.stream("POST", url, content=content, headers=headers) as response:
            if response.status_code != 200:
                answer = await response.aread()
                raise status_error(url, response.status_code, response.headers, answer)
            async for chunk in _chunks(url, response):
                yield chunk
    except httpx.HTTPError as exc:
        raise transport_error(url, exc, client.timeout.read) from exc


async def _chunks(url: str, response: httpx.Response) -> AsyncIterator[dict[str, Any]]:
    received = finished = False
    async for data in sse_data(response.aiter_lines()):
        if data.strip() == DONE:
            return
        try:
            chunk = parse_json_object(data, "an event")
        except ValueError as exc:
            raise OpenAIRequestError(f"malformed stream from {url}: {exc}") from None
        if "error" in chunk:
            detail = error_text(chunk) or json.dumps(chunk["error"])[:200]
            raise OpenAIRequestError(f"{url} reported an error mid-stream: {detail}")
        received = True
        finished = finished or any(
            isinstance(choice, dict) and choice.get("finish_reason") for choice in chunk.get("choices") or ()
        )
        yield chunk
    if finished:
        return  # a server that leaves out [DONE] after a finished answer
    if not received:
        content_type = response.headers.get("content-type") or "no content type"
        raise OpenAIRequestError(
            f"malformed stream from {url}: expected server-sent events of JSON chunks, got {content_type}"
        )
    raise OpenAIRequestError(f"malformed stream from {url}: it ended before the answer did (no [DONE])")


def transport_error(url: str, exc: httpx.HTTPError, timeout: float | None) -> OpenAIRequestError:
    """The error for an httpx failure below the HTTP status (connection, timeout, protocol)."""
    limit = f"{timeout:g} s" if timeout is not None else "the time limit"
    if isinstance(exc, httpx.ConnectTimeout):
        return OpenAIRequestError(f"cannot reach {url}: no connection within {limit}")
    if isinstance(exc, httpx.TimeoutException):
        return OpenAIRequestError(f"{url} did not answer within {limit} (timeout_secs)")
    if isinstance(exc, httpx.ConnectError):
        reason = "connection refused" if _refused(exc) else str(exc) or type(exc).__name__
        return OpenAIRequestError(f"cannot reach {url}: {reason}")
    if isinstance(exc, httpx.RemoteProtocolError):
        return OpenAIRequestError(f"malformed answer from {url}: {exc}")
    return OpenAIRequestError(f"request to {url} failed: {type(exc).__name__}: {exc}")


def _refused(exc: BaseException) -> bool:
    """True if ``exc`` or one of its causes (exception groups included) is a refused connection."""
    pending: list[BaseException] = [exc]
    seen: set[int] = set()
    while pending:
        error = pending.pop()
        if id(error) in seen:
            continue
        seen.add(id(error))
        if isinstance(error, ConnectionRefusedError) or "Connection refused" in str(error):
            return True
        pending.extend(e for e in (error.__cause__, error.__context__) if e is not None)
        pending.extend(getattr(error, "exceptions", ()))
    return False
