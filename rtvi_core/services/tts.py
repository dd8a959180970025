"""``TTSService``: the base of text-to-speech services.

It turns streamed LLM text into sentences, hands each sentence to the subclass's
:meth:`TTSService.run_tts`, and pushes, per sentence::

    AggregatedTextFrame(sentence, will_be_spoken=True)      # id = segment id S
    word mode:     (TTSTextFrame(word, segment_id=S), TTSAudioRawFrame...) per word
    sentence mode: TTSAudioRawFrame... then TTSTextFrame(sentence, segment_id=S)

framed per response (or per ``TTSSpeakFrame``) by ``TTSStartedFrame(context_id)``
before the first spoken sentence and ``TTSStoppedFrame(context_id)`` after the last.

With :class:`~.tts_params.TTSStreamParams` a reply's first chunk may end at a clause
(its audio starts sooner) and synthesis runs at most ``lookahead`` chunks ahead of
playback (:class:`~.tts_playback.PlaybackClock`), so an interruption wastes little work.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Any, ClassVar, NamedTuple

import anyio.lowlevel

from ..direction import FrameDirection
from ..frames import (
    AggregatedTextFrame,
    EndFrame,
    Frame,
    InterimTranscriptionFrame,
    InterruptionFrame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    StartFrame,
    TextFrame,
    TranscriptionFrame,
    TTSAudioRawFrame,
    TTSSpeakFrame,
    TTSStartedFrame,
    TTSStoppedFrame,
    TTSTextFrame,
)
from ..frames.audio import USER_AUDIO_FRAMES
from ..frames.rtvi import MESSAGE_FRAMES
from ..processor import FrameProcessor
from .text_aggregator import SentenceAggregator
from .tts_params import TTSStreamParams
from .tts_playback import PlaybackClock

DOWNSTREAM = FrameDirection.DOWNSTREAM

#: Text frames a TTS passes on untouched (user text, and text it produced itself).
_NOT_FOR_TTS = (TranscriptionFrame, InterimTranscriptionFrame, AggregatedTextFrame)


class WordTimestamp(NamedTuple):
    """A word of the sentence being synthesized and when its audio starts.

    ``start_secs`` counts from the start of the sentence's audio.
    """

    word: str
    start_secs: float


class TTSService(FrameProcessor):
    """Base of TTS services: sentence streaming, context framing, word timing.

    Subclasses implement :meth:`run_tts`. The service consumes ``LLMTextFrame``,
    plain ``TextFrame`` and ``TTSSpeakFrame`` (``LLMTextFrame`` is not forwarded:
    the spoken text continues as ``TTSTextFrame``, unspoken ``skip_tts`` text as
    ``AggregatedTextFrame(will_be_spoken=False)``); every other frame passes on.

    Text between ``LLMFullResponseStartFrame`` and ``LLMFullResponseEndFrame`` is
    one context, spoken sentence by sentence as it completes; a text frame outside a
    response and a ``TTSSpeakFrame`` are each spoken whole as their own context.

    ``sample_rate``: output rate (None: the run's ``audio_out_sample_rate``).
    ``push_text_frames``: push ``TTSTextFrame``s (words or sentences) with the audio.
    ``stream``: where replies are cut and how far synthesis runs ahead of playback
    (None: at sentence ends, as far as the text allows).
    """

    #: The bot-file section of this service's plugins: errors name one ``tts plugin '<name>'``.
    PLUGIN_KIND: ClassVar[str] = "tts"
    passes_through = MESSAGE_FRAMES | USER_AUDIO_FRAMES

    def __init__(
        self,
        *,
        sample_rate: int | None = None,
        push_text_frames: bool = True,
        stream: TTSStreamParams | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._init_sample_rate = sample_rate
        self._sample_rate = sample_rate or 0
        self._push_text_frames = push_text_frames
        self._stream = stream
        self._aggregator = SentenceAggregator(
            first_clause_min_words=stream.first_clause_min_words if stream else 0,
            first_chunk_max_words=stream.first_chunk_max_words if stream else 0,
        )
        self._playback = PlaybackClock(stream.lookahead if stream else None)
        self._in_response = False
        self._skipping = False  # whether the pending text is skip_tts text
        self._context_id: str | None = None  # set once TTSStartedFrame was pushed
        self._suspended: list[str] = []  # contexts a TTSSpeakFrame's own context interrupts
        self._append_to_context = True  # for the text frames being pushed

    @property
    def sample_rate(self) -> int:
        """The output sample rate (known once the StartFrame arrived)."""
        return self._sample_rate

    @property
    def stream_params(self) -> TTSStreamParams | None:
        """Where replies are cut and how far synthesis runs ahead (None: sentences, no bound)."""
        return self._stream

    def can_generate_metrics(self) -> bool:
        """TTS services report ttfb and character usage."""
        return True

    async def run_tts(self, text: str, context_id: str) -> AsyncGenerator[bytes | WordTimestamp, None]:
        """Synthesize one sentence: yield mono PCM16 audio at :attr:`sample_rate`.

        Yield a :class:`WordTimestamp` for each word before (or together with) the
        audio it starts in, to get word mode: the base puts ``TTSTextFrame(word)``
        right before the audio at that time (a timing for audio already pushed is
        pushed at once; timings must not go back in time). Yield none to get
        sentence mode. Called in the service's own task; an interruption cancels it.
        """
        raise NotImplementedError
        yield  # pragma: no cover - makes this an async generator

    async def on_context_finished(self, context_id: str) -> None:
        """Called once the last sentence of context ``context_id`` was synthesized.

        That is at the end of a response (or of a ``TTSSpeakFrame``), right before its
        ``TTSStoppedFrame``. A service that keeps a context open at its provider across
        the sentences of a turn closes it here. The default does nothing.
        """

    async def on_context_interrupted(self, context_id: str) -> None:
        """Called when an interruption ends context ``context_id`` before its end.

        The :meth:`run_tts` in flight is cancelled and the context gets no
        ``TTSStoppedFrame``; a service whose provider keeps generating audio for the
        context sends the provider's cancel here. It runs on the interruption's path:
        keep it short and bounded. The default does nothing.
        """

    # -- frame handling -------------------------------------------------------------

    async def start(self, frame: StartFrame) -> None:
        """Take the output sample rate from the run unless one was given."""
        self._sample_rate = self._init_sample_rate or frame.audio_out_sample_rate
        self._reset()

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if direction is not DOWNSTREAM:
            await self.push_frame(frame, direction)
        elif isinstance(frame, TextFrame) and not isinstance(frame, _NOT_FOR_TTS):
            await self._handle_text(frame)
        elif isinstance(frame, TTSSpeakFrame):
            await self._speak_whole(frame.text, False, frame.append_to_context)
        elif isinstance(frame, LLMFullResponseStartFrame):
            await self._finish_response()
            self._in_response = True
            await self.push_frame(frame)
        elif isinstance(frame, (LLMFullResponseEndFrame, EndFrame)):
            await self._finish_response()
            await self.push_frame(frame)
        elif isinstance(frame, InterruptionFrame):
            interrupted = [*self._suspended, self._context_id]
            self._reset()
            for context_id in interrupted:
                if context_id is not None:
                    await self.on_context_interrupted(context_id)
            await self.push_frame(frame)
        else:
            await self.push_frame(frame)

    async def _handle_text(self, frame: TextFrame) -> None:
        skip = bool(frame.skip_tts)
        if not self._in_response:
            await self._speak_whole(frame.text, skip, frame.append_to_context)
            return
        if skip != self._skipping:
            # The pending text was the other kind: it ends here.
            await self._say(self._aggregator.flush(), self._skipping)
            self._skipping = skip
        stream = self._stream
        short = stream is not None and self._playback.remaining(time.monotonic()) < stream.clause_below_secs
        for sentence in self._aggregator.aggregate(frame.text, clause=short):
            await self._say(sentence, skip)

    async def _speak_whole(self, text: str, skip: bool, append_to_context: bool) -> None:
        """Speak ``text`` as a context of its own (a TTSSpeakFrame, stray text).

        With ``append_to_context`` false, its text frames say so to the assistant
        aggregator downstream.
        """
        outer, self._context_id = self._context_id, None
        if outer is not None:
            self._suspended.append(outer)  # an interruption meanwhile ends it too
        self._append_to_context = append_to_context
        aggregator = SentenceAggregator()
        for sentence in aggregator.aggregate(text):
            await self._say(sentence, skip)
        await self._say(aggregator.flush(), skip)
        await self._stop_context()
        if outer is not None:
            self._suspended.remove(outer)
        self._context_id = outer
        self._append_to_context = True

    async def _finish_response(self) -> None:
        await self._say(self._aggregator.flush(), self._skipping)
        await self._stop_context()
        self._in_response = False
        self._skipping = False

    def _reset(self) -> None:
        self._aggregator.reset()
        self._playback.reset()
        self._in_response = False
        self._skipping = False
        self._context_id = None
        self._suspended.clear()
        self._append_to_context = True

    async def _stop_context(self) -> None:
        if self._context_id is not None:
            context_id, self._context_id = self._context_id, None
            await self.on_context_finished(context_id)
            await self.push_frame(TTSStoppedFrame(context_id=context_id))

    # -- one sentence -----------------------------------------------------------------

    async def _say(self, sentence: str | None, skip: bool) -> None:
        """Push an unspoken sentence, or synthesize a spoken one."""
        text = sentence.strip() if sentence else ""
        if not text:
            return
        if skip:
            await self._push_text(AggregatedTextFrame(text=text, aggregated_by="sentence", will_be_spoken=False))
            return
        context_id = self._context_id
        if context_id is None:
            context_id = self._context_id = str(uuid.uuid4())
            await self.push_frame(TTSStartedFrame(context_id=context_id))
        segment = AggregatedTextFrame(text=text, aggregated_by="sentence", will_be_spoken=True)
        await self._push_text(segment)
        await self.start_tts_usage_metrics(text)
        await self._playback.wait_for_room()
        await self._synthesize(text, context_id, segment.id)
        self._playback.chunk_done()

    async def _synthesize(self, text: str, context_id: str, segment_id: int) -> None:
        """Run :meth:`run_tts` and push its audio, interleaved with word frames."""
        sample_rate = self._sample_rate
        push_words = self._push_text_frames
        pending_words: list[tuple[int, str]] = []  # (byte offset, word), in time order
        pushed = 0  # bytes of audio pushed for this sentence
        carry = b""  # an odd trailing byte, completed by the next chunk
        timed = False
        await self.start_ttfb_metrics()
        try:
            async with aclosing(self.run_tts(text, context_id)) as items:
                async for item in items:
                    if isinstance(item, WordTimestamp):
                        timed = True
                        if not push_words:
                            continue
                        offset = int(item.start_secs * sample_rate) * 2
                        if offset <= pushed:
                            await self._push_word(item.word, segment_id, context_id)
                        else:
                            pending_words.append((offset, item.word))
                        continue
                    if not item:
                        continue
                    if not pushed:
                        await self.stop_ttfb_metrics()
                    audio = carry + item if carry else item
                    if len(audio) & 1:
                        audio, carry = audio[:-1], audio[-1:]
                    else:
                        carry = b""
                    end = pushed + len(audio)
                    cut = 0
                    while pending_words and pending_words[0][0] < end:
                        offset, word = pending_words.pop(0)
                        at = offset - pushed
                        if at > cut:
                            await self._push_audio(audio[cut:at], context_id)
                            cut = at
                        await self._push_word(word, segment_id, context_id)
                    if cut < len(audio):
                        await self._push_audio(audio[cut:] if cut else audio, context_id)
                    pushed = end
                    # Let playback start (and interruptions land) while synthesis goes on.
                    await anyio.lowlevel.checkpoint()
        except Exception as exc:
            await self.push_error(f"{self} TTS error: {exc}", exception=exc)
        for _, word in pending_words:
            await self._push_word(word, segment_id, context_id)
        if push_words and not timed:
            await self._push_text(
                TTSTextFrame(
                    text=text,
                    aggregated_by="sentence",
                    segment_id=segment_id,
                    context_id=context_id,
                )
            )

    def _push_audio(self, audio: bytes, context_id: str) -> Any:
        self._playback.add(len(audio) / (2 * self._sample_rate), time.monotonic())
        return self.push_frame(
            TTSAudioRawFrame(audio=audio, sample_rate=self._sample_rate, num_channels=1, context_id=context_id)
        )

    def _push_word(self, word: str, segment_id: int, context_id: str) -> Any:
        return self._push_text(
            TTSTextFrame(text=word, aggregated_by="word", segment_id=segment_id, context_id=context_id)
        )

    def _push_text(self, frame: AggregatedTextFrame) -> Any:
        if not self._append_to_context:
            frame.append_to_context = False
        return self.push_frame(frame)
