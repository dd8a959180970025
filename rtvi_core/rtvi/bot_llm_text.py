"""``bot-llm-text`` and ``bot-llm-stopped``, with the deprecated ``bot-transcription``.

:class:`BotLLMTextReporter` is the RTVI observer's part that reports the LLM's
text as it streams (one ``bot-llm-text`` per token) and gathers it into sentences:
each sentence end, and the end of the response, sends the text gathered so far as
a ``bot-transcription``. An interruption forgets what was gathered.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from ._deps import rtvi_messages as m

if TYPE_CHECKING:
    from ..frames import Frame, LLMTextFrame
    from .messages import OutboundMessage

#: Last characters (before closing quotes/brackets) that end a sentence.
_SENTENCE_ENDS = frozenset(".!?…。！？")
_CLOSERS = "\"')]}»”’"


class BotLLMTextReporter:
    """Sends the LLM text events through ``send``; ``text`` and ``stopped`` are observer handlers."""

    def __init__(self, send: Callable[[OutboundMessage], Awaitable[None]]) -> None:
        self._send = send
        self._transcript: list[str] = []

    async def text(self, frame: LLMTextFrame, timestamp: int) -> None:
        """``bot-llm-text``; ``bot-transcription`` too when the token ends a sentence."""
        text = frame.text  # the hot path: one event per LLM token
        await self._send(m.BotLLMText(data=m.TextData(text=text)))
        self._transcript.append(text)
        tail = text.rstrip().rstrip(_CLOSERS)
        if tail and tail[-1] in _SENTENCE_ENDS:
            await self._send_transcript()

    async def stopped(self, frame: Frame, timestamp: int) -> None:
        """The rest of the response as ``bot-transcription``, then ``bot-llm-stopped``."""
        if self._transcript:
            await self._send_transcript()
        await self._send(m.BotLLMStopped())

    def interrupted(self) -> None:
        """Forget the text gathered since the last sentence end."""
        self._transcript.clear()

    async def _send_transcript(self) -> None:
        """Deprecated ``bot-transcription``: the LLM text gathered up to a sentence end."""
        text = "".join(self._transcript)
        self._transcript.clear()
        if text.strip():
            await self._send(m.BotTranscription(data=m.TextData(text=text)))
