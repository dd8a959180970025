"""``bot-output``, ``bot-tts-text`` and ``tts-raw-text`` (spec §7): segments, speech progress, hold-back.

:class:`BotOutputReporter` turns the text frames released by the output transport
into messages (``bot-output`` carries ``output_type`` and its deprecated names
``text_type`` and ``aggregated_by``, as Pipecat 1.14 does):

* ``AggregatedTextFrame(will_be_spoken=True)`` → ``bot-output`` ``new`` (segment id =
  the frame's id); ``will_be_spoken=False`` → an unspoken ``bot-output`` (``new``,
  without ``spoken_progress``).
* ``TTSTextFrame`` per word (``"word"``/``"token"``) → ``bot-tts-text {word}`` then a
  progress ``bot-output`` for its segment (2.x clients), or a completed-shaped
  ``bot-output`` for the word then ``bot-tts-text`` (1.x clients, no progress).
* ``TTSTextFrame`` per sentence (or other type) → completed ``bot-output`` then
  ``bot-tts-text {text}``.
* With ``tts_raw_text_enabled``, ``tts-raw-text {text}`` goes right before each
  ``bot-tts-text``, to clients of protocol 2.2.0 or later.

Hold-back: while the bot is not speaking every such message waits in a queue that
is flushed, in order, right after ``bot-started-speaking``; an unspoken segment
arriving while nothing waits is sent at once (no speech will release it). An
interruption drops the queue and forgets the segments, so nothing more is reported
for interrupted text.
"""

from __future__ import annotations

import inspect
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, NamedTuple, Required, TypedDict

from ..frames import AggregatedTextFrame, TTSTextFrame
from ..records import record
from ._deps import rtvi_messages as m
from .observer_params import BotOutputTransform, RTVIObserverParams

if TYPE_CHECKING:
    from .processor import RTVIProcessor

#: Aggregation types never reported as ``bot-output`` to 2.x clients.
WORD_TYPES = frozenset({"word", "token"})
#: Segments remembered for progress; older ones are forgotten beyond this.
MAX_SEGMENTS = 64
#: Held-back messages kept at most (the oldest are dropped beyond this).
MAX_HELD_BACK = 512
#: First client protocol version sent ``stt-raw-text``, ``llm-raw-text`` and ``tts-raw-text``.
RAW_TEXT_VERSION = (2, 2, 0)


class BotOutputTransformResult(TypedDict, total=False):
    """What a 4-argument transform returns (missing or empty keys keep the input)."""

    text: Required[str]
    accumulated_text: str
    remaining_text: str


class _Transform(NamedTuple):
    aggregated_by: str
    fn: BotOutputTransform
    progress_aware: bool  # the 4-argument form


def _is_progress_aware(fn: BotOutputTransform) -> bool:
    try:
        return len(inspect.signature(fn).parameters) >= 4
    except (TypeError, ValueError):
        return False


class BotOutputTransforms:
    """The ``(aggregation type or "*", async fn)`` transforms, applied in order (§7.5)."""

    def __init__(self, transforms: list[tuple[str, BotOutputTransform]] | None = None) -> None:
        self._items: list[_Transform] = []
        for aggregated_by, fn in transforms or ():
            self.add(aggregated_by, fn)

    def __bool__(self) -> bool:
        return bool(self._items)

    def add(self, aggregated_by: str, fn: BotOutputTransform) -> None:
        """Apply ``fn`` to text of ``aggregated_by`` (``"*"``: every type)."""
        self._items.append(_Transform(aggregated_by, fn, _is_progress_aware(fn)))

    def remove(self, aggregated_by: str, fn: BotOutputTransform) -> None:
        """Stop applying ``fn`` to ``aggregated_by`` (no error if it was not added)."""
        self._items = [t for t in self._items if not (t.aggregated_by == aggregated_by and t.fn is fn)]

    async def apply(self, text: str, aggregated_by: str) -> str:
        """``text`` after every matching transform (non-progress events)."""
        for item in self._items:
            if item.aggregated_by == aggregated_by or item.aggregated_by == "*":
                if item.progress_aware:
                    result: Mapping[str, str] = await item.fn(text, aggregated_by, None, None)
                    text = result.get("text") or text
                else:
                    text = await item.fn(text, aggregated_by)
        return text

    async def apply_progress(
        self, text: str, aggregated_by: str, accumulated: str, remaining: str
    ) -> tuple[str, str, str]:
        """``(text, accumulated, remaining)`` after every matching transform."""
        for item in self._items:
            if item.aggregated_by == aggregated_by or item.aggregated_by == "*":
                if item.progress_aware:
                    result = await item.fn(text, aggregated_by, accumulated, remaining)
                    text = result.get("text") or text
                    accumulated = result.get("accumulated_text") or accumulated
                    remaining = result.get("remaining_text") or remaining
                else:
                    text = await item.fn(text, aggregated_by)
                    accumulated = await item.fn(accumulated, aggregated_by)
                    remaining = await item.fn(remaining, aggregated_by)
        return text, accumulated, remaining


@record
class _Segment:
    segment_id: int
    text: str
    aggregated_by: str
    skipped: bool
    cursor: int = 0  # end of the last spoken word in ``text``

    def advance(self, word: str) -> tuple[str, str]:
        """Mark ``word`` spoken; returns ``(accumulated, remaining)`` ("" once all spoken)."""
        text = self.text
        word = word.strip()
        if word:
            start = text.find(word, self.cursor)
            if start < 0:  # not verbatim (the TTS normalised it): step over one word's length
                start = self.cursor
                while start < len(text) and text[start].isspace():
                    start += 1
            self.cursor = min(len(text), start + len(word))
        remaining = text[self.cursor :]
        if not remaining or remaining.isspace():
            return text, ""
        return text[: self.cursor], remaining


class BotOutputReporter:
    """Builds ``bot-output``/``bot-tts-text`` messages and holds them back until the bot speaks.

    ``send`` delivers a message to the client; ``rtvi`` tells which protocol version
    the client speaks. The observer calls :meth:`bot_started_speaking`,
    :meth:`bot_stopped_speaking` and :meth:`interrupted` as those frames pass.
    """

    def __init__(
        self,
        params: RTVIObserverParams,
        send: Callable[[m.OutboundMessage], Awaitable[None]],
        rtvi: RTVIProcessor,
    ) -> None:
        self._params = params
        self._send = send
        self._rtvi = rtvi
        self.transforms = BotOutputTransforms(params.bot_output_transforms)
        self._skip = frozenset(params.skip_aggregator_types or ())
        self._segments: dict[int, _Segment] = {}
        self._held: deque[m.OutboundMessage] = deque(maxlen=MAX_HELD_BACK)
        self._speaking = False
        self._flushing = False

    # -- speaking state ------------------------------------------------------------------

    async def bot_started_speaking(self) -> None:
        """The bot started speaking: send the held-back messages, in order."""
        self._speaking = True
        if self._flushing:
            return
        self._flushing = True  # messages arriving meanwhile queue behind (see ``_emit``)
        try:
            held = self._held
            while held:
                await self._send(held.popleft())
        finally:
            self._flushing = False

    def bot_stopped_speaking(self) -> None:
        """The bot stopped speaking: hold messages back again."""
        self._speaking = False

    def interrupted(self) -> None:
        """Drop held-back messages and forget the interrupted segments."""
        self._held.clear()
        self._segments.clear()

    # -- frames from the output transport --------------------------------------------------

    async def segment(self, frame: AggregatedTextFrame) -> None:
        """A text segment reached the output (``new`` or unspoken ``bot-output``)."""
        aggregated_by = frame.aggregated_by
        skipped = aggregated_by in self._skip
        if frame.will_be_spoken:
            self._remember(_Segment(frame.id, frame.text, aggregated_by, skipped))
        if skipped or not self._params.bot_output_enabled:
            return
        if aggregated_by in WORD_TYPES and not self._rtvi.is_legacy_client:
            return
        text = await self.transforms.apply(frame.text, aggregated_by) if self.transforms else frame.text
        if frame.will_be_spoken:
            data = m.BotOutputData(
                text=text,
                output_type=aggregated_by,
                will_be_spoken=True,
                segment_id=frame.id,
                spoken=False,
                spoken_status="new",
                spoken_progress=m.SpokenProgress(accumulated_text="", remaining_text=text),
            )
            await self._emit(m.BotOutput(data=data))
        else:
            data = m.BotOutputData(
                text=text,
                output_type=aggregated_by,
                will_be_spoken=False,
                segment_id=frame.id,
                spoken=False,
                spoken_status="new",
            )
            await self._emit(m.BotOutput(data=data), hold_alone=False)

    async def spoken(self, frame: TTSTextFrame) -> None:
        """Spoken text (a word, or a whole sentence) reached the output."""
        aggregated_by = frame.aggregated_by
        segment_id = frame.segment_id
        per_word = aggregated_by in WORD_TYPES
        segment = self._segments.get(segment_id) if segment_id is not None else None
        if segment is not None and not per_word:
            del self._segments[segment.segment_id]
        if aggregated_by in self._skip or (segment is not None and segment.skipped):
            return
        params = self._params
        text = await self.transforms.apply(frame.text, aggregated_by) if self.transforms else frame.text
        if per_word and not self._rtvi.is_legacy_client:
            await self._spoken_text(text)
            if segment is not None and params.bot_output_enabled:
                await self._emit(await self._progress(segment, frame.text))
            return
        if params.bot_output_enabled:
            data = m.BotOutputData(
                text=text,
                output_type=aggregated_by,
                will_be_spoken=True,
                segment_id=frame.id if segment_id is None else segment_id,
                spoken=True,
                spoken_status="completed",
                spoken_progress=m.SpokenProgress(accumulated_text=text, remaining_text=""),
            )
            await self._emit(m.BotOutput(data=data))
        await self._spoken_text(text)

    # -- internals -------------------------------------------------------------------------

    async def _spoken_text(self, text: str) -> None:
        """``tts-raw-text`` (2.2.0+ clients) and ``bot-tts-text``, as enabled."""
        params = self._params
        if params.tts_raw_text_enabled and self._rtvi.client_at_least(RAW_TEXT_VERSION):
            await self._emit(m.TTSRawText(data=m.TextData(text=text)))
        if params.bot_tts_enabled:
            await self._emit(m.BotTTSText(data=m.TextData(text=text)))

    async def _progress(self, segment: _Segment, word: str) -> m.BotOutput:
        accumulated, remaining = segment.advance(word)
        if not remaining:
            self._segments.pop(segment.segment_id, None)
        text = segment.text
        if self.transforms:
            text, accumulated, remaining = await self.transforms.apply_progress(
                text, segment.aggregated_by, accumulated, remaining
            )
        data = m.BotOutputData(
            text=text,
            output_type=segment.aggregated_by,
            will_be_spoken=True,
            segment_id=segment.segment_id,
            spoken_status="in-progress" if remaining else "completed",
            spoken_progress=m.SpokenProgress(accumulated_text=accumulated, remaining_text=remaining),
        )
        return m.BotOutput(data=data)

    def _remember(self, segment: _Segment) -> None:
        segments = self._segments
        if len(segments) >= MAX_SEGMENTS:
            del segments[next(iter(segments))]
        segments[segment.segment_id] = segment

    async def _emit(self, message: m.OutboundMessage, hold_alone: bool = True) -> None:
        """Send now if the bot speaks and nothing waits; else queue behind the waiting ones.

        ``hold_alone=False`` (unspoken text): sent at once when nothing waits, even
        while the bot is silent.
        """
        if self._held or self._flushing or (hold_alone and not self._speaking):
            self._held.append(message)
        else:
            await self._send(message)
