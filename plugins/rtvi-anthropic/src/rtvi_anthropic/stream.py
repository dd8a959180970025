"""``stream_reply``: one streamed ``POST /v1/messages``, as the service's outputs.

This module imports httpx; the service imports it on first use.
"""

from __future__ import annotations

import json
from contextlib import aclosing
from typing import Any, AsyncIterator, Mapping

import anyio
import httpx
from rtvi_openai.chat_stream import transport_error
from rtvi_openai.json_object import parse_json_object
from rtvi_openai.sse import sse_data

from rtvi_core.services.llm import LLMOutput

from . import logger
from .errors import AnthropicRequestError, event_error, status_error
from .reply import ReplyReader


async def stream_reply(
    client: httpx.AsyncClient,
    url: str,
    headers: Mapping[str, str],
    body: dict[str, Any],
    key_source: str,
) -> AsyncIterator[LLMOutput]:
    """POST ``body`` and yield the reply's text as it streams, then its tool calls and usage.

    Tool calls come only once the message is complete (a failed stream runs none).
    Every failure raises :class:`AnthropicRequestError` (see :func:`stream_events`).
    """
    reader = ReplyReader()
    events = stream_events(client, url, headers, body, key_source)
    async with aclosing(events):
        async for event in events:
            try:
                text = reader.read(event)
            except ValueError as exc:  # well-formed JSON that makes no sense
                raise AnthropicRequestError(f"Anthropic sent an unusable answer: {exc}") from None
            if text:
                yield text
    if reader.stop_reason == "refusal":
        logger.info("Anthropic declined to answer (stop_reason refusal)")
    for call in reader.calls:
        yield call
    usage = reader.usage()
    if usage is not None:
        yield usage


async def stream_events(
    client: httpx.AsyncClient,
    url: str,
    headers: Mapping[str, str],
    body: dict[str, Any],
    key_source: str,
) -> AsyncIterator[dict[str, Any]]:
    """POST ``body`` to ``url`` and yield each event of the answer up to ``message_stop``.

    ``ping`` events are skipped. Every failure — unreachable server, timeout, an HTTP
    error, an ``error`` event, a stream that is not SSE of JSON objects or that ends
    before ``message_stop`` — raises :class:`AnthropicRequestError`. Iterate it inside
    ``contextlib.aclosing`` so that stopping early closes the response.
    """
    try:
        content = json.dumps(body).encode()
    except (TypeError, ValueError) as exc:
        raise AnthropicRequestError(f"Anthropic: cannot encode the request: {exc}") from exc
    try:
        async with client.stream("POST", url, content=content, headers=headers) as response:
            if response.status_code != 200:
                answer = await response.aread()
                raise status_error(response.status_code, response.headers, answer, key_source)
            async for event in _events(url, response, key_source, client.timeout.read):
                yield event
    except httpx.HTTPError as exc:
        error = transport_error(url, exc, client.timeout.read)
        raise AnthropicRequestError(f"Anthropic: {error}") from exc


async def _events(
    url: str, response: httpx.Response, key_source: str, timeout: float | None
) -> AsyncIterator[dict[str, Any]]:
    received = False
    progress = anyio.current_time()  # of the last event that was not a ping
    async for data in sse_data(response.aiter_lines()):
        try:
            event = parse_json_object(data, "an event")
        except ValueError as exc:
            raise AnthropicRequestError(f"Anthropic sent a malformed stream from {url}: {exc}") from None
        received = True
        kind = event.get("type")
        if kind == "error":
            raise event_error(event, key_source)
        if kind == "ping":
            if timeout is not None and anyio.current_time() - progress > timeout:
                raise AnthropicRequestError(
                    f"Anthropic: {url} sent nothing but pings for {timeout:g} s (timeout_secs)"
                )
            continue
        progress = anyio.current_time()
        yield event
        if kind == "message_stop":
            return
    content_type = response.headers.get("content-type") or "no content type"
    if not received and "event-stream" not in content_type:
        raise AnthropicRequestError(
            f"Anthropic sent a malformed stream from {url}: expected server-sent events "
            f"of JSON objects, got {content_type}"
        )
    raise AnthropicRequestError(
        f"Anthropic's stream from {url} ended before message_stop (the connection "
        "dropped); the reply is cut short, try again"
    )
