"""``post_json_stream``: POST a JSON body, read the answer's server-sent events as JSON objects.

The transport of the cloud LLM APIs that stream JSON over SSE (Anthropic's Messages,
Gemini's ``streamGenerateContent``); what the objects mean is the caller's. This module
imports httpx; services import it on first use.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, Callable, Mapping
from typing import Any

import httpx

from .chat_stream import transport_error
from .cloud_llm import CloudRequestError
from .json_object import parse_json_object
from .sse import sse_data

#: Builds the error for a non-200 answer from its status, headers and body.
StatusError = Callable[[int, Mapping[str, str], bytes], CloudRequestError]


async def post_json_stream(
    client: httpx.AsyncClient,
    url: str,
    headers: Mapping[str, str],
    body: dict[str, Any],
    *,
    provider: str,
    status_error: StatusError,
) -> AsyncGenerator[dict[str, Any], None]:
    """POST ``body`` to ``url`` and yield the data of each event, decoded.

    Raises :class:`CloudRequestError`, its message starting with ``provider``, for an
    unencodable body, an unreachable server, a timeout, a non-200 answer
    (``status_error`` words it), data that is not a JSON object, and an answer that is
    not a stream of events. Whether the stream ended where it should is the caller's
    to judge. Iterate it inside ``contextlib.aclosing`` so that stopping early closes
    the response.
    """
    try:
        content = json.dumps(body).encode()
    except (TypeError, ValueError) as exc:
        raise CloudRequestError(f"{provider}: cannot encode the request: {exc}") from exc
    try:
        async with client.stream("POST", url, content=content, headers=headers) as response:
            if response.status_code != 200:
                raise status_error(response.status_code, response.headers, await response.aread())
            received = False
            async for data in sse_data(response.aiter_lines()):
                try:
                    event = parse_json_object(data, "an event")
                except ValueError as exc:
                    raise CloudRequestError(f"{provider} sent a malformed stream from {url}: {exc}") from None
                received = True
                yield event
            content_type = response.headers.get("content-type") or "no content type"
            if not received and "event-stream" not in content_type:
                raise CloudRequestError(
                    f"{provider} sent a malformed stream from {url}: expected server-sent events "
                    f"of JSON objects, got {content_type}"
                )
    except httpx.HTTPError as exc:
        raise CloudRequestError(f"{provider}: {transport_error(url, exc, client.timeout.read)}") from exc
