"""``stream_reply``: one streamed ``streamGenerateContent`` request, as the service's outputs.

This module imports httpx; the service imports it on first use.
"""

from __future__ import annotations

import json
from contextlib import aclosing
from typing import Any, AsyncIterator, Mapping

import httpx
from rtvi_openai.chat_stream import transport_error
from rtvi_openai.json_object import parse_json_object
from rtvi_openai.sse import sse_data

from rtvi_core.services.llm import LLMOutput

from .errors import FINISHED, GeminiRequestError, blocked_error, chunk_error, status_error, stopped_error
from .reply import ReplyReader


async def stream_reply(
    client: httpx.AsyncClient,
    url: str,
    headers: Mapping[str, str],
    body: dict[str, Any],
    key_source: str,
    reader: ReplyReader,
) -> AsyncIterator[LLMOutput]:
    """POST ``body`` and yield the reply's text as it streams, then its calls and usage.

    Function calls come only once the reply has finished (a failed stream runs none).
    Every failure — unreachable server, timeout, an HTTP error, an ``error`` chunk, a
    stream that is not SSE of JSON objects or that ends without a ``finishReason``, a
    blocked prompt, a reply stopped for safety — raises :class:`GeminiRequestError`.
    Iterate it inside ``contextlib.aclosing`` so that stopping early closes the response.
    """
    chunks = _chunks(client, url, headers, body, key_source)
    async with aclosing(chunks):
        async for chunk in chunks:
            try:
                text = reader.read(chunk)
            except ValueError as exc:  # well-formed JSON that makes no sense
                raise GeminiRequestError(f"Gemini sent an unusable answer: {exc}") from None
            if text:
                yield text
    if reader.block_reason:
        raise blocked_error(reader.block_reason, reader.block_message)
    if reader.finish_reason is None:
        raise GeminiRequestError(
            f"Gemini's stream from {url} ended before the reply did (no finishReason: the "
            "connection dropped); the reply is cut short, try again"
        )
    if reader.finish_reason not in FINISHED:
        raise stopped_error(reader.finish_reason)
    for call in reader.calls:
        yield call
    usage = reader.usage()
    if usage is not None:
        yield usage


async def _chunks(
    client: httpx.AsyncClient,
    url: str,
    headers: Mapping[str, str],
    body: dict[str, Any],
    key_source: str,
) -> AsyncIterator[dict[str, Any]]:
    try:
        content = json.dumps(body).encode()
    except (TypeError, ValueError) as exc:
        raise GeminiRequestError(f"Gemini: cannot encode the request: {exc}") from exc
    try:
        async with client.stream("POST", url, content=content, headers=headers) as response:
            if response.status_code != 200:
                answer = await response.aread()
                raise status_error(response.status_code, response.headers, answer, key_source)
            received = False
            async for data in sse_data(response.aiter_lines()):
                try:
                    chunk = parse_json_object(data, "a chunk")
                except ValueError as exc:
                    raise GeminiRequestError(f"Gemini sent a malformed stream from {url}: {exc}") from None
                if "error" in chunk:
                    raise chunk_error(chunk, key_source)
                received = True
                yield chunk
            content_type = response.headers.get("content-type") or "no content type"
            if not received and "event-stream" not in content_type:
                raise GeminiRequestError(
                    f"Gemini sent a malformed stream from {url}: expected server-sent events "
                    f"of JSON objects, got {content_type}"
                )
    except httpx.HTTPError as exc:
        raise GeminiRequestError(f"Gemini: {transport_error(url, exc, client.timeout.read)}") from exc
