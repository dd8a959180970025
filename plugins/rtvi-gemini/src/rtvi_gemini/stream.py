"""``read_chunks``: a streamed reply's decoded chunks as the service's outputs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from rtvi_core.services.llm import LLMOutput

from .errors import FINISHED, GeminiRequestError, blocked_error, chunk_error, stopped_error
from .reply import ReplyReader


async def read_chunks(
    chunks: AsyncIterator[dict[str, Any]], url: str, key_source: str, reader: ReplyReader
) -> AsyncIterator[LLMOutput]:
    """Yield the reply's text as it streams, then its function calls and usage.

    Function calls come only once the reply has finished (a failed stream runs none).
    An ``error`` chunk, a blocked prompt, a reply stopped for safety or another early
    ``finishReason``, and a stream that ends without a ``finishReason`` raise
    :class:`GeminiRequestError`; chunks that make no sense raise ``ValueError``.
    """
    async for chunk in chunks:
        if "error" in chunk:
            raise chunk_error(chunk, key_source)
        text = reader.read(chunk)
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
