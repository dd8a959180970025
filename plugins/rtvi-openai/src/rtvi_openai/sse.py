"""Server-sent events: the ``data`` of each event in a stream of lines."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator


async def sse_data(lines: AsyncIterable[str]) -> AsyncIterator[str]:
    """Yield the data of each server-sent event in ``lines`` (line breaks removed).

    Follows the SSE rules that chat completion streams use: ``data:`` lines of one
    event are joined with ``\\n``, a blank line ends an event, ``:`` lines are
    comments (keep-alives), other fields (``event``, ``id``, ``retry``) and lines
    that are no field at all are ignored. An event left open at the end is yielded.
    """
    data: list[str] = []
    async for line in lines:
        if not line:
            if data:
                yield "\n".join(data)
                data = []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        if name == "data":
            data.append(value[1:] if value.startswith(" ") else value)
    if data:
        yield "\n".join(data)
