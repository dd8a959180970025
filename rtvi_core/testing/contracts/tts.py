"""``TTSContract``: the behaviour every ``TTSService`` must show, as a pytest suite.

A TTS plugin runs the whole suite against its own service by subclassing it in its
tests and overriding the ``tts`` fixture, which must return a **fresh** service::

    import pytest
    from rtvi_core.testing.contracts.tts import TTSContract
    from rtvi_piper import PiperTTSService

    class TestPiperContract(TTSContract):
        supports_word_timestamps = True

        @pytest.fixture
        def tts(self):
            return PiperTTSService(word_timestamps=True)

The tests drive the service only through real pipelines and frames (``TTSSpeakFrame``,
an LLM response, ``InterruptionFrame``, a whole bot on the memory transport), never
through the plugin's internals. They cover: audio at the run's output rate, plausible
length and level; text frames that cover the spoken text (word or sentence mode);
sentence-by-sentence streaming of an LLM response (and, for a service that times
words, each sentence's words placed within its own audio); ``bot-tts-text``/``bot-output``
reaching an RTVI client; reuse across runs, cancellation and interruption; empty,
punctuation-only, non-ASCII and very long text.

Override the class attributes below for what differs between providers (the texts,
the plausible speaking rate, whether words are timed); a provider that speaks much
faster than real time still has to be interruptible mid-text: make ``long_text``
long enough for that or slow the provider down in the fixture.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence

import anyio
import pytest

from ...direction import FrameDirection
from ...frames import (
    AggregatedTextFrame,
    EndFrame,
    ErrorFrame,
    Frame,
    InterruptionFrame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    LLMTextFrame,
    TTSAudioRawFrame,
    TTSSpeakFrame,
    TTSStartedFrame,
    TTSStoppedFrame,
    TTSTextFrame,
)
from ...params import PipelineParams
from ...pipeline import Pipeline
from ...services.tts import TTSService
from ...task import PipelineTask
from ..harness import run_bot
from ..recorder import FrameRecorder
from ..running import running

UPSTREAM = FrameDirection.UPSTREAM


class Spoken:
    """What one run of a service through ``upstream recorder → tts → recorder`` gave."""

    def __init__(self, recorder: FrameRecorder, errors: FrameRecorder, sample_rate: int) -> None:
        self.recorder = recorder
        self.frames = recorder.frames
        self.sample_rate = sample_rate
        self.errors = [f.error for f in errors.of(ErrorFrame, UPSTREAM)]

    @property
    def audio_frames(self) -> list[TTSAudioRawFrame]:
        """The audio frames pushed downstream."""
        return self.recorder.of(TTSAudioRawFrame)

    @property
    def audio(self) -> bytes:
        """All audio, concatenated."""
        return b"".join(f.audio for f in self.audio_frames)

    @property
    def seconds(self) -> float:
        """Length of all audio in seconds."""
        return len(self.audio) / (2 * self.sample_rate)

    @property
    def peak(self) -> int:
        """The largest absolute sample value."""
        samples = array("h", self.audio)
        return max((abs(s) for s in samples), default=0)

    @property
    def text_frames(self) -> list[TTSTextFrame]:
        """The ``TTSTextFrame``s (words or sentences) pushed downstream."""
        return self.recorder.of(TTSTextFrame)


def _normalized(text: str) -> str:
    return " ".join(text.split())


class TTSContract:
    """The TTS contract suite; subclass it and override the ``tts`` fixture."""

    #: One sentence every test speaks.
    sentence: str = "The weather in Paris is sunny today."
    #: Two sentences streamed as an LLM response (chunks as an LLM would stream them).
    #: (Its comma comes after one word: no first-clause cut of a streaming TTS takes it.)
    response_chunks: Sequence[str] = ("Hello", ", nice to meet you", ". How are", " you today?")
    #: Text long enough that an interruption after its first audio lands mid-text.
    long_text: str = " ".join(f"This is sentence number {n} of a long answer that keeps going." for n in range(1, 11))
    #: One very long sentence without punctuation.
    very_long_sentence: str = " ".join(["and then the little robot walked a bit further"] * 4)
    #: Text with characters outside ASCII.
    non_ascii_text: str = "Grüße aus Köln, the café served crème brûlée — naïve but nice!"
    #: Plausible seconds of audio per word of ``sentence`` (min, max).
    seconds_per_word: tuple[float, float] = (0.08, 1.2)
    #: The output rate of the runs (a second run checks another rate).
    sample_rate: int = 24000
    other_sample_rate: int = 16000
    #: Minimum peak sample value of spoken audio (non-silence).
    min_peak: int = 1000
    #: Whether the service times words (``TTSTextFrame(aggregated_by="word")``).
    supports_word_timestamps: bool = False
    #: Seconds a single run may take at most (model loading included).
    timeout: float = 30.0

    @pytest.fixture
    def tts(self) -> TTSService:
        """A fresh service; subclasses must override this fixture."""
        raise NotImplementedError("override the `tts` fixture to return a fresh TTSService")

    # -- helpers ----------------------------------------------------------------------

    def task_for(
        self, tts: TTSService, sample_rate: int | None = None
    ) -> tuple[PipelineTask, FrameRecorder, FrameRecorder]:
        """A task running ``errors recorder → tts → recorder`` (no RTVI)."""
        errors = FrameRecorder(types=(ErrorFrame,))
        recorder = FrameRecorder()
        params = PipelineParams(audio_out_sample_rate=sample_rate or self.sample_rate)
        task = PipelineTask(Pipeline([errors, tts, recorder]), params=params, enable_rtvi=False)
        return task, recorder, errors

    async def speak(
        self,
        tts: TTSService,
        *frames: Frame,
        sample_rate: int | None = None,
        timeout: float | None = None,
    ) -> Spoken:
        """Run ``frames`` then an EndFrame through the service to the end of the run."""
        task, recorder, errors = self.task_for(tts, sample_rate)
        await task.queue_frames([*frames, EndFrame()])
        with anyio.fail_after(timeout or self.timeout):
            await task.run()
        return Spoken(recorder, errors, sample_rate or self.sample_rate)

    def llm_response(self, *chunks: str) -> list[Frame]:
        """The frames of an LLM response streaming ``chunks``."""
        return [
            LLMFullResponseStartFrame(),
            *(LLMTextFrame(text=chunk) for chunk in chunks),
            LLMFullResponseEndFrame(),
        ]

    def assert_spoke(self, spoken: Spoken, text: str) -> None:
        """Audio of plausible length and level at the run's rate, no errors."""
        assert not spoken.errors, spoken.errors
        frames = spoken.audio_frames
        assert frames, "no audio"
        assert {(f.sample_rate, f.num_channels) for f in frames} == {(spoken.sample_rate, 1)}
        assert all(len(f.audio) % 2 == 0 for f in frames), "odd-length PCM16 chunk"
        words = len(text.split())
        low, high = self.seconds_per_word
        assert low * words <= spoken.seconds <= high * words, f"{spoken.seconds:.2f} s of audio for {words} words"
        assert spoken.peak >= self.min_peak, f"audio is (nearly) silent: peak {spoken.peak}"

    # -- normal output ------------------------------------------------------------------

    @pytest.mark.anyio
    async def test_speaks_a_sentence_at_the_run_rate(self, tts: TTSService) -> None:
        spoken = await self.speak(tts, TTSSpeakFrame(text=self.sentence))
        self.assert_spoke(spoken, self.sentence)
        started = spoken.recorder.of(TTSStartedFrame)
        stopped = spoken.recorder.of(TTSStoppedFrame)
        assert len(started) == len(stopped) == 1
        assert started[0].context_id and stopped[0].context_id == started[0].context_id
        assert {f.context_id for f in spoken.audio_frames} == {started[0].context_id}
        names = spoken.recorder.names(TTSStartedFrame, TTSAudioRawFrame, TTSStoppedFrame)
        assert names[0] == "TTSStartedFrame" and names[-1] == "TTSStoppedFrame"

    @pytest.mark.anyio
    async def test_output_rate_follows_the_run(self, tts: TTSService) -> None:
        spoken = await self.speak(tts, TTSSpeakFrame(text=self.sentence), sample_rate=self.other_sample_rate)
        self.assert_spoke(spoken, self.sentence)

    @pytest.mark.anyio
    async def test_text_frames_cover_the_spoken_text(self, tts: TTSService) -> None:
        spoken = await self.speak(tts, TTSSpeakFrame(text=self.sentence))
        segments = [f for f in spoken.recorder.of(AggregatedTextFrame) if type(f) is AggregatedTextFrame]
        assert [(s.text, s.will_be_spoken) for s in segments] == [(self.sentence, True)]
        texts = spoken.text_frames
        kind = "word" if self.supports_word_timestamps else "sentence"
        assert {t.aggregated_by for t in texts} == {kind}
        assert _normalized(" ".join(t.text for t in texts)) == _normalized(self.sentence)
        assert {t.segment_id for t in texts} == {segments[0].id}

    @pytest.mark.anyio
    async def test_word_frames_precede_their_audio(self, tts: TTSService) -> None:
        if not self.supports_word_timestamps:
            pytest.skip("the service does not time words")
        spoken = await self.speak(tts, TTSSpeakFrame(text=self.sentence))
        offsets, position = [], 0
        for frame in spoken.recorder.of((TTSTextFrame, TTSAudioRawFrame)):
            if isinstance(frame, TTSTextFrame):
                offsets.append(position)
            else:
                position += len(frame.audio)
        assert len(offsets) == len(self.sentence.split())
        assert offsets == sorted(offsets) and offsets[-1] < position
        assert len(set(offsets)) > len(offsets) // 2, f"words not spread over the audio: {offsets}"

    @pytest.mark.anyio
    async def test_words_of_every_sentence_are_timed_over_its_own_audio(self, tts: TTSService) -> None:
        # A provider timing words from the start of the whole turn (one context for the
        # response) must still place each sentence's words within that sentence's audio.
        if not self.supports_word_timestamps:
            pytest.skip("the service does not time words")
        spoken = await self.speak(tts, *self.llm_response(*self.response_chunks))
        assert not spoken.errors, spoken.errors
        texts: list[str] = []  # per sentence: its text, its words' audio offsets, its audio length
        word_offsets: list[list[int]] = []
        lengths: list[int] = []
        for frame in spoken.recorder.of((AggregatedTextFrame, TTSAudioRawFrame)):
            if type(frame) is AggregatedTextFrame:
                texts.append(frame.text)
                word_offsets.append([])
                lengths.append(0)
            elif isinstance(frame, TTSTextFrame):
                word_offsets[-1].append(lengths[-1])
            elif isinstance(frame, TTSAudioRawFrame):
                lengths[-1] += len(frame.audio)
        assert len(texts) == 2, texts
        for text, offsets, length in zip(texts, word_offsets, lengths):
            assert len(offsets) == len(text.split()), (text, offsets)
            assert offsets[-1] < length, f"words of {text!r} came after its audio: {offsets} of {length} bytes"
            assert len(set(offsets)) > len(offsets) // 2, f"words of {text!r} not spread over its audio: {offsets}"

    @pytest.mark.anyio
    async def test_llm_response_is_spoken_sentence_by_sentence(self, tts: TTSService) -> None:
        spoken = await self.speak(tts, *self.llm_response(*self.response_chunks))
        assert not spoken.errors, spoken.errors
        order = [
            "segment" if type(f) is AggregatedTextFrame else type(f).__name__
            for f in spoken.recorder.of((AggregatedTextFrame, TTSAudioRawFrame, TTSStartedFrame, TTSStoppedFrame))
            if not isinstance(f, TTSTextFrame)
        ]
        assert order.count("segment") == 2, order
        second = order.index("segment", order.index("segment") + 1)
        assert "TTSAudioRawFrame" in order[:second], "first sentence's audio came after the second"
        assert "TTSAudioRawFrame" in order[second:]
        assert order.count("TTSStartedFrame") == order.count("TTSStoppedFrame") == 1
        spoken_text = " ".join(t.text for t in spoken.text_frames)
        assert _normalized(spoken_text) == _normalized("".join(self.response_chunks))

    @pytest.mark.anyio
    async def test_text_reaches_the_rtvi_client(self, tts: TTSService) -> None:
        async with run_bot(tts=tts) as bot:
            await bot.ready()
            await bot.task.queue_frame(TTSSpeakFrame(text=self.sentence))
            await bot.client.wait_for_message(
                "bot-output",
                timeout=self.timeout,
                predicate=lambda m: m["data"].get("spoken_status") == "completed",
            )
            await bot.client.wait_for_message("bot-stopped-speaking", timeout=self.timeout)
        client = bot.client
        assert sum(len(chunk) for chunk in client.audio) > 0
        tts_text = " ".join(m["data"]["text"] for m in client.messages_of("bot-tts-text"))
        assert _normalized(tts_text) == _normalized(self.sentence)
        outputs = client.messages_of("bot-output")
        assert next(o["data"]["spoken_status"] for o in outputs) == "new"
        assert {o["data"]["text"] for o in outputs} == {self.sentence}

    # -- lifecycle ----------------------------------------------------------------------

    async def cancel_mid_speech(self, tts: TTSService) -> Spoken:
        """Speak ``long_text`` and cancel the run (twice) once its first audio is out."""
        task, recorder, errors = self.task_for(tts)
        async with running(task, start_timeout=self.timeout):
            await task.queue_frame(TTSSpeakFrame(text=self.long_text))
            await recorder.wait_for(lambda: recorder.of(TTSAudioRawFrame), self.timeout)
            await task.cancel()
            await task.cancel()
        assert task.has_finished()
        return Spoken(recorder, errors, self.sample_rate)

    @pytest.mark.anyio
    async def test_cancel_mid_speech(self, tts: TTSService) -> None:
        spoken = await self.cancel_mid_speech(tts)
        assert not spoken.errors, spoken.errors
        assert not spoken.recorder.of(TTSStoppedFrame), "the long text was spoken before the cancel"

    @pytest.mark.anyio
    async def test_reusable_after_a_cancelled_run(self, tts: TTSService) -> None:
        await self.cancel_mid_speech(tts)
        # The service is loaded by now: a stuck second run shows within seconds.
        spoken = await self.speak(
            tts,
            TTSSpeakFrame(text=self.sentence),
            sample_rate=self.other_sample_rate,
            timeout=min(self.timeout, 5.0),
        )
        self.assert_spoke(spoken, self.sentence)
        assert len(spoken.recorder.of(TTSStartedFrame)) == 1

    # -- interruption -------------------------------------------------------------------

    @pytest.mark.anyio
    async def test_interruption_stops_the_audio(self, tts: TTSService) -> None:
        task, recorder, errors = self.task_for(tts)
        after = "Okay."
        async with running(task, start_timeout=self.timeout):
            await task.queue_frame(TTSSpeakFrame(text=self.long_text))
            await recorder.wait_for(lambda: recorder.of(TTSAudioRawFrame), self.timeout)
            await task.queue_frame(InterruptionFrame())
            await task.queue_frame(TTSSpeakFrame(text=after))
            # The interrupted context gets no TTSStoppedFrame: the first one is Okay's
            # (or the long text's, if it was spoken completely before the interruption).
            await recorder.wait_for(lambda: recorder.of(TTSStoppedFrame), self.timeout)

        log = [f for f, d in recorder.log if d is FrameDirection.DOWNSTREAM]
        cut = next(i for i, f in enumerate(log) if isinstance(f, InterruptionFrame))
        first = recorder.of(TTSStartedFrame)[0].context_id
        assert not any(isinstance(f, TTSStoppedFrame) and f.context_id == first for f in log[:cut]), (
            "the long text was spoken completely before the interruption: make long_text longer"
        )
        late = [f for f in log[cut:] if getattr(f, "context_id", None) == first]
        assert not late, f"{len(late)} frames of the interrupted text after the interruption"
        texts = [f.text for f in log[cut:] if isinstance(f, TTSTextFrame)]
        assert _normalized(" ".join(texts)) == after
        assert any(isinstance(f, TTSAudioRawFrame) for f in log[cut:])
        assert not errors.of(ErrorFrame, UPSTREAM)

    # -- unusual input --------------------------------------------------------------------

    @pytest.mark.anyio
    async def test_empty_and_punctuation_only_text_do_no_harm(self, tts: TTSService) -> None:
        odd = ["", "   ", "\n\t", "...", "?!", "—", "-- ;"]
        spoken = await self.speak(tts, *(TTSSpeakFrame(text=text) for text in odd), TTSSpeakFrame(text=self.sentence))
        assert not spoken.errors, spoken.errors
        # The sentence after them is spoken as usual, as the last context.
        last = spoken.recorder.of(TTSStartedFrame)[-1].context_id
        tail = [f for f in spoken.audio_frames if f.context_id == last]
        assert tail and all(f.sample_rate == self.sample_rate for f in tail)
        segments = [f.text for f in spoken.recorder.of(AggregatedTextFrame) if type(f) is AggregatedTextFrame]
        assert segments[-1] == self.sentence
        assert set(segments) <= {text.strip() for text in odd if text.strip()} | {self.sentence}

    @pytest.mark.anyio
    async def test_non_ascii_text(self, tts: TTSService) -> None:
        spoken = await self.speak(tts, TTSSpeakFrame(text=self.non_ascii_text))
        self.assert_spoke(spoken, self.non_ascii_text)
        spoken_text = " ".join(t.text for t in spoken.text_frames)
        assert _normalized(spoken_text) == _normalized(self.non_ascii_text)

    @pytest.mark.anyio
    async def test_very_long_sentence(self, tts: TTSService) -> None:
        spoken = await self.speak(tts, TTSSpeakFrame(text=self.very_long_sentence))
        self.assert_spoke(spoken, self.very_long_sentence)
