"""``read_events``: a streamed message's decoded events as the service's outputs."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

import anyio

from rtvi_core.services.llm import LLMOutput

from .errors import AnthropicRequestError, event_error
from .log import logger
from .reply import ReplyReader


async def read_events(
    events: AsyncIterator[dict[str, Any]], url: str, key_source: str, timeout: float
) -> AsyncGenerator[LLMOutput, None]:
    """Yield the reply's text as it streams, then its tool calls and usage.

    Tool calls come only once ``message_stop`` arrived (a failed stream runs none).
    An ``error`` event, a stream that ends before ``message_stop`` and one that sends
    nothing but ``ping`` for ``timeout`` seconds raise :class:`AnthropicRequestError`;
    events that make no sense raise ``ValueError``.
    """
    reader = ReplyReader()
    progress = anyio.current_time()  # of the last event that was not a ping
    async for event in events:
        kind = event.get("type")
        if kind == "error":
            raise event_error(event, key_source)
        if kind == "ping":
            if anyio.current_time() - progress > timeout:
                raise AnthropicRequestError(f"Anthropic: {url} sent nothing but pings for {timeout:g} s (timeout_secs)")
            continue
        progress = anyio.current_time()
        text = reader.read(event)
        if text:
            yield text
        if kind == "message_stop":
            break
    else:
        raise AnthropicRequestError(
            f"Anthropic's stream from {url} ended before message_stop (the connection "
            "dropped); the reply is cut short, try again"
        )
    if reader.stop_reason == "refusal":
        logger.info("Anthropic declined to answer (stop_reason refusal)")
    for call in reader.calls:
        yield call
    usage = reader.usage()
    if usage is not None:
        yield usage
