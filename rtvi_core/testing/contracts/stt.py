"""``STTContract``: the behaviour every ``STTService`` must show, as a pytest suite.

An STT plugin runs the whole suite against its own service by subclassing it in its
tests and overriding the ``stt`` fixture, which must return a **fresh** service::

    import pytest
    from rtvi_core.testing.contracts.stt import STTContract
    from rtvi_whisper import WhisperSTTService

    class TestWhisperContract(STTContract):
        timeout = 60.0

        @pytest.fixture
        def stt(self):
            return WhisperSTTService(model="tiny.en")

The tests speak the recorded clips of :mod:`rtvi_core.testing.speech` to the service
as a VAD would deliver them (``VADUserStartedSpeakingFrame``, 20 ms
``UserAudioRawFrame`` chunks, ``VADUserStoppedSpeakingFrame``), through real
pipelines, and read what comes out; they never touch the plugin's internals. Segmented
(Whisper-like) and streaming services both fit. They cover: a final transcript with
the spoken words, user id, timestamp and language; utterances in order; silence giving
no transcript and no empty transcripts ever; another input rate; a whole bot gated by
the core's energy VAD whose RTVI client gets ``user-transcription``; reuse across runs,
cancel (twice) mid-utterance, an interruption during an utterance, muting; and bad
input (odd-length PCM, empty frames, noise, a blip) doing no harm, with any error
reported as a non-fatal ``ErrorFrame`` and the next utterance transcribed as usual.

A **streaming** service (``streaming = True``: it sends interim results while the
user speaks, e.g. Deepgram, Whisper's incremental mode) must also show: interim
results before each turn's final one, none after it, in turn order (``I+ F I+ F``);
each final taking up its turn's last interim result (the interims converge to it);
behind the user aggregator, one user message per turn with the final's text (no
interim reaches the LLM); one final per turn even when the end of the turn is
signalled twice; an interruption while interims flow keeping the turn; and, for a run
cancelled once its interim results flow (mid-turn, or just after its VAD stop),
nothing more from that run after the cancel and no stray result in the next run.
Segmented services (``mode = "segmented"`` Whisper) leave ``streaming`` False and
these tests skip.

Override the class attributes below for what differs between providers: the clips
and the words that must be recognized in them, the language reported, whether
another input rate is supported, and the time a run may take.
"""

from __future__ import annotations

import random
import re
from array import array
from collections.abc import Callable, Sequence

import anyio
import pytest

from ...builtins.energy_vad import EnergyVADAnalyzer
from ...builtins.memory_transport import MemoryTransport
from ...direction import FrameDirection
from ...frames import (
    EndFrame,
    ErrorFrame,
    Frame,
    InterimTranscriptionFrame,
    InterruptionFrame,
    LLMContextFrame,
    STTMuteFrame,
    TranscriptionFrame,
    UserAudioRawFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)
from ...llm_context import LLMContext
from ...params import PipelineParams
from ...pipeline import Pipeline
from ...services.llm_aggregators import LLMUserAggregator
from ...services.stt import STTService
from ...services.transport_params import TransportParams
from ...services.vad import VADParams
from ...task import PipelineTask
from ..recorder import FrameRecorder
from ..running import running
from ..speech import load_speech, silence

UPSTREAM = FrameDirection.UPSTREAM
ISO_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")


def got(count: int) -> Callable[[Heard], bool]:
    """A ``hear(until=...)`` condition: ``count`` final transcripts arrived."""
    return lambda heard: len(heard.finals) >= count


def words_of(text: str) -> set[str]:
    """The lower-case words of ``text``, punctuation dropped."""
    return set(re.findall(r"[a-z0-9']+", text.lower()))


def spellings(words: Sequence[str]) -> set[str]:
    """Every spelling of expected ``words`` (``"paris|pairs"``: either)."""
    return {spelling for word in words for spelling in word.split("|")}


def missing_words(text: str, words: Sequence[str]) -> list[str]:
    """The expected ``words`` that ``text`` lacks (a ``"a|b"`` entry: neither spelling in it)."""
    heard = words_of(text)
    return [word for word in words if not set(word.split("|")) & heard]


class Heard:
    """What one run of a service through ``errors recorder → stt → recorder`` gave."""

    def __init__(self, recorder: FrameRecorder, errors: FrameRecorder) -> None:
        self.recorder = recorder
        self.error_recorder = errors

    @property
    def errors(self) -> list[ErrorFrame]:
        """The error frames pushed upstream by the service."""
        return self.error_recorder.of(ErrorFrame, UPSTREAM)

    @property
    def finals(self) -> list[TranscriptionFrame]:
        """The final transcriptions pushed downstream, in order."""
        return self.recorder.of(TranscriptionFrame)

    @property
    def texts(self) -> list[str]:
        """The texts of :attr:`finals`."""
        return [f.text for f in self.finals]

    @property
    def interims(self) -> list[InterimTranscriptionFrame]:
        """The interim transcriptions pushed downstream, in order."""
        return self.recorder.of(InterimTranscriptionFrame)

    @property
    def turns(self) -> list[tuple[list[InterimTranscriptionFrame], TranscriptionFrame]]:
        """Each turn's interim results and its final one, in order (interims after the last final are left out)."""
        turns: list[tuple[list[InterimTranscriptionFrame], TranscriptionFrame]] = []
        interims: list[InterimTranscriptionFrame] = []
        for frame in self.recorder.of((InterimTranscriptionFrame, TranscriptionFrame)):
            if isinstance(frame, TranscriptionFrame):
                turns.append((interims, frame))
                interims = []
            else:
                interims.append(frame)
        return turns

    @property
    def sequence(self) -> str:
        """Interim (``I``) and final (``F``) transcriptions in the order pushed, e.g. ``IIIFIIF``."""
        frames = self.recorder.of((InterimTranscriptionFrame, TranscriptionFrame))
        return "".join("F" if isinstance(f, TranscriptionFrame) else "I" for f in frames)


class STTContract:
    """The STT contract suite; subclass it and override the ``stt`` fixture."""

    #: The main clip and words (lower case) that must be in its transcript; ``"a|b"``: either
    #: spelling (a model that hears a word two ways).
    clip: str = "weather-question"
    expected_words: Sequence[str] = ("weather", "paris")
    #: A second clip and its words.
    other_clip: str = "interrupt"
    other_expected_words: Sequence[str] = ("stop", "moment")
    #: The ``language`` the transcriptions carry (None: not checked).
    language: str | None = "en"
    #: The input rate of the runs, and another one the service must handle (None: skip).
    sample_rate: int = 16000
    other_sample_rate: int | None = 8000
    #: Audio chunk length, as a transport delivers it.
    chunk_ms: int = 20
    #: Seconds a single run may take at most (model loading included).
    timeout: float = 60.0
    #: The user id put on the audio frames.
    user_id: str = "user-1"
    #: The service streams interim results (runs the streaming tests).
    streaming: bool = False

    @pytest.fixture
    def stt(self) -> STTService:
        """A fresh service; subclasses must override this fixture."""
        raise NotImplementedError("override the `stt` fixture to return a fresh STTService")

    # -- helpers ----------------------------------------------------------------------

    def clip_pcm(self, name: str, sample_rate: int | None = None) -> bytes:
        """The clip ``name`` as PCM16 at ``sample_rate`` (the runs' rate by default)."""
        clip = load_speech(name)
        rate = sample_rate or self.sample_rate
        if rate == clip.sample_rate:
            return clip.pcm
        from ...audio import resample_once

        return resample_once(clip.pcm, clip.sample_rate, rate)

    def chunks(self, pcm: bytes, sample_rate: int | None = None) -> list[bytes]:
        """``pcm`` cut into ``chunk_ms`` pieces (the last one may be shorter)."""
        size = (sample_rate or self.sample_rate) * self.chunk_ms // 1000 * 2
        return [pcm[i : i + size] for i in range(0, len(pcm), size)]

    def audio_frames(self, pcm: bytes, sample_rate: int | None = None) -> list[UserAudioRawFrame]:
        """``pcm`` as ``chunk_ms`` user audio frames."""
        rate = sample_rate or self.sample_rate
        return [
            UserAudioRawFrame(audio=chunk, sample_rate=rate, num_channels=1, user_id=self.user_id)
            for chunk in self.chunks(pcm, rate)
        ]

    def utterance(self, pcm: bytes, sample_rate: int | None = None) -> list[Frame]:
        """Frames of one VAD-gated utterance: lead-in silence, start, ``pcm``, tail, stop."""
        rate = sample_rate or self.sample_rate
        return [
            *self.audio_frames(silence(0.3, rate), rate),
            VADUserStartedSpeakingFrame(),
            *self.audio_frames(pcm, rate),
            *self.audio_frames(silence(0.2, rate), rate),
            VADUserStoppedSpeakingFrame(),
        ]

    def two_turns(self) -> list[Frame]:
        """Two utterances (the clip, then the other) 2 s apart: two turns (a streaming service
        may hear a shorter pause as one turn going on)."""
        rate = self.sample_rate
        return [
            *self.utterance(self.clip_pcm(self.clip)),
            *self.audio_frames(silence(2.0, rate), rate),
            *self.utterance(self.clip_pcm(self.other_clip)),
        ]

    def task_for(
        self, stt: STTService, sample_rate: int | None = None
    ) -> tuple[PipelineTask, FrameRecorder, FrameRecorder]:
        """A task running ``errors recorder → stt → recorder`` (no RTVI)."""
        errors = FrameRecorder(types=(ErrorFrame,))
        recorder = FrameRecorder(types=(TranscriptionFrame, InterimTranscriptionFrame, InterruptionFrame, ErrorFrame))
        params = PipelineParams(audio_in_sample_rate=sample_rate or self.sample_rate)
        task = PipelineTask(Pipeline([errors, stt, recorder]), params=params, enable_rtvi=False)
        return task, recorder, errors

    async def hear(
        self,
        stt: STTService,
        *frames: Frame,
        until: Callable[[Heard], object] | None = None,
        end_frames: int = 1,
        sample_rate: int | None = None,
    ) -> Heard:
        """Run ``frames`` through the service, wait for ``until(heard)`` (if given), then
        end the run with ``end_frames`` EndFrames and wait for its end.

        Waiting for the expected transcripts before the EndFrame keeps the tests
        independent of how long an EndFrame lets pending transcriptions finish.
        """
        task, recorder, errors = self.task_for(stt, sample_rate)
        heard = Heard(recorder, errors)
        await task.queue_frames(frames)
        with anyio.fail_after(self.timeout):
            async with anyio.create_task_group() as group:
                group.start_soon(task.run)
                if until is not None:
                    await self.wait_until(heard, lambda: until(heard))
                await task.queue_frames([EndFrame()] * end_frames)
        return heard

    async def wait_until(self, heard: Heard, condition: Callable[[], object]) -> None:
        """Wait until ``condition()``, checked after each frame either recorder records (an
        error pushed upstream counts too)."""
        async with anyio.create_task_group() as group:

            async def watch(recorder: FrameRecorder) -> None:
                await recorder.wait_for(condition, self.timeout)
                group.cancel_scope.cancel()

            group.start_soon(watch, heard.recorder)
            group.start_soon(watch, heard.error_recorder)

    def assert_heard(self, text: str, words: Sequence[str]) -> None:
        """``text`` holds every one of ``words``."""
        missing = missing_words(text, words)
        assert not missing, f"{missing} not in the transcript {text!r}"

    def assert_no_errors(self, heard: Heard) -> None:
        """No error frame at all."""
        assert not heard.errors, [e.error for e in heard.errors]

    def assert_transcripts(self, heard: Heard, *words: Sequence[str]) -> None:
        """No errors, and one final transcript per entry of ``words``, holding those words."""
        self.assert_no_errors(heard)
        assert len(heard.finals) == len(words), heard.texts
        for text, expected in zip(heard.texts, words):
            self.assert_heard(text, expected)

    # -- normal output ------------------------------------------------------------------

    @pytest.mark.anyio
    async def test_transcribes_an_utterance(self, stt: STTService) -> None:
        heard = await self.hear(stt, *self.utterance(self.clip_pcm(self.clip)), until=got(1))
        self.assert_transcripts(heard, self.expected_words)
        final = heard.finals[0]
        assert final.user_id == self.user_id
        assert ISO_TIMESTAMP.match(final.timestamp), final.timestamp
        if self.language is not None:
            assert final.language == self.language

    @pytest.mark.anyio
    async def test_utterances_are_transcribed_in_order(self, stt: STTService) -> None:
        heard = await self.hear(
            stt,
            *self.two_turns(),
            until=got(2),
        )
        self.assert_transcripts(heard, self.expected_words, self.other_expected_words)

    @pytest.mark.anyio
    async def test_silence_gives_no_transcript(self, stt: STTService) -> None:
        quiet = silence(1.5, self.sample_rate)
        heard = await self.hear(
            stt, *self.utterance(quiet), *self.utterance(self.clip_pcm(self.other_clip)), until=got(1)
        )
        self.assert_transcripts(heard, self.other_expected_words)  # and none for the silence

    @pytest.mark.anyio
    async def test_other_input_rate(self, stt: STTService) -> None:
        rate = self.other_sample_rate
        if rate is None:
            pytest.skip("the service supports one input rate only")
        pcm = self.clip_pcm(self.clip, rate)
        heard = await self.hear(stt, *self.utterance(pcm, rate), until=got(1), sample_rate=rate)
        self.assert_transcripts(heard, self.expected_words)

    @pytest.mark.anyio
    async def test_transcript_reaches_the_rtvi_client(self, stt: STTService) -> None:
        """A bot whose input is gated by the core's energy VAD: the client speaks the clip."""
        vad = EnergyVADAnalyzer(params=VADParams(start_secs=0.2, stop_secs=0.8))
        transport = MemoryTransport(params=TransportParams(audio_in_enabled=True, vad_analyzer=vad))
        params = PipelineParams(audio_in_sample_rate=self.sample_rate)
        task = PipelineTask(Pipeline([transport.input(), stt, transport.output()]), params=params)
        client = transport.client
        async with running(task, start_timeout=self.timeout):
            await client.connect()
            await client.send_message(
                {"label": "rtvi-ai", "type": "client-ready", "id": "ready", "data": {"version": "2.1.0"}}
            )
            await client.wait_for_message("bot-ready")
            rate = self.sample_rate
            for chunk in self.chunks(silence(0.5, rate) + self.clip_pcm(self.clip) + silence(1.5, rate)):
                await client.send_audio(chunk, rate)
            message = await client.wait_for_message(
                "user-transcription", timeout=self.timeout, predicate=lambda m: m["data"]["final"]
            )
        types = [m["type"] for m in client.messages]
        assert "user-started-speaking" in types and "user-stopped-speaking" in types, types
        self.assert_heard(message["data"]["text"], self.expected_words)
        assert ISO_TIMESTAMP.match(message["data"]["timestamp"])
        assert not client.messages_of("error"), client.messages_of("error")

    # -- lifecycle ----------------------------------------------------------------------

    @pytest.mark.anyio
    async def test_reusable_across_runs(self, stt: STTService) -> None:
        first = await self.hear(stt, *self.utterance(self.clip_pcm(self.clip)), until=got(1))
        second = await self.hear(stt, *self.utterance(self.clip_pcm(self.other_clip)), until=got(1))
        self.assert_transcripts(first, self.expected_words)
        self.assert_transcripts(second, self.other_expected_words)

    @pytest.mark.anyio
    async def test_cancel_twice_mid_utterance_then_reuse(self, stt: STTService) -> None:
        task, _recorder, _ = self.task_for(stt)
        async with running(task, start_timeout=self.timeout):
            await task.queue_frames(self.utterance(self.clip_pcm(self.clip)))
            await task.cancel()
            await task.cancel()
        assert task.has_finished()
        heard = await self.hear(stt, *self.utterance(self.clip_pcm(self.other_clip)), until=got(1))
        self.assert_transcripts(heard, self.other_expected_words)

    @pytest.mark.anyio
    async def test_end_twice(self, stt: STTService) -> None:
        """A second EndFrame (e.g. from a second shutdown request) changes nothing."""
        utterance = self.utterance(self.clip_pcm(self.clip))
        heard = await self.hear(stt, *utterance, until=got(1), end_frames=2)
        self.assert_transcripts(heard, self.expected_words)

    # -- interruption and muting ----------------------------------------------------------

    @pytest.mark.anyio
    async def test_interruption_during_an_utterance_keeps_it(self, stt: STTService) -> None:
        """The user's barge-in interrupts the bot, not the transcription of the user."""
        frames = self.utterance(self.clip_pcm(self.clip))
        start = next(i for i, f in enumerate(frames) if isinstance(f, VADUserStartedSpeakingFrame))
        frames.insert(start + 5, InterruptionFrame())
        heard = await self.hear(stt, *frames, until=got(1))
        self.assert_transcripts(heard, self.expected_words)
        assert heard.recorder.of(InterruptionFrame), "the InterruptionFrame was not passed on"

    @pytest.mark.anyio
    async def test_muted_audio_is_not_transcribed(self, stt: STTService) -> None:
        heard = await self.hear(
            stt,
            STTMuteFrame(mute=True),
            *self.utterance(self.clip_pcm(self.clip)),
            STTMuteFrame(mute=False),
            *self.utterance(self.clip_pcm(self.other_clip)),
            until=got(1),
        )
        self.assert_transcripts(heard, self.other_expected_words)

    # -- bad input ------------------------------------------------------------------------

    @pytest.mark.anyio
    async def test_bad_audio_does_no_harm(self, stt: STTService) -> None:
        """Odd-length PCM, empty frames, noise and a blip: at most non-fatal errors, no
        empty transcripts, and the next utterance is transcribed as usual."""
        rate = self.sample_rate
        odd = self.utterance(self.clip_pcm(self.other_clip))
        speech = [f for f in odd if isinstance(f, UserAudioRawFrame)]
        speech[len(speech) // 2].audio += b"\x01"  # one odd-length chunk mid-utterance
        empty = [
            VADUserStartedSpeakingFrame(),
            *(UserAudioRawFrame(audio=b"", sample_rate=rate, num_channels=1) for _ in range(5)),
            VADUserStoppedSpeakingFrame(),
        ]
        noise = array("h", (random.Random(7).randint(-1500, 1500) for _ in range(rate))).tobytes()
        blip = b"\x10\x27" * (rate // 50)
        heard = await self.hear(
            stt,
            *odd,
            *empty,
            *self.utterance(noise),
            *self.utterance(blip),
            *self.utterance(self.clip_pcm(self.clip)),
            until=lambda heard: any(not missing_words(text, self.expected_words) for text in heard.texts),
        )
        assert all(not e.fatal and e.error.strip() for e in heard.errors), [e.error for e in heard.errors]
        assert all(t.strip() for t in heard.texts), f"empty transcript pushed: {heard.texts}"
        assert heard.finals, "nothing transcribed after the bad input"
        self.assert_heard(heard.texts[-1], self.expected_words)

    # -- streaming services ---------------------------------------------------------------

    def require_streaming(self) -> None:
        """Skip unless the service streams interim results."""
        if not self.streaming:
            pytest.skip("a segmented service: no interim results")

    @pytest.mark.anyio
    async def test_interim_results_come_before_the_final(self, stt: STTService) -> None:
        self.require_streaming()
        heard = await self.hear(stt, *self.utterance(self.clip_pcm(self.clip)), until=got(1))
        self.assert_transcripts(heard, self.expected_words)
        assert re.fullmatch("I+F", heard.sequence), f"interim results, then one final: {heard.sequence}"
        for interim in heard.interims:
            assert interim.text.strip(), "empty interim transcript"
            assert interim.user_id == self.user_id and ISO_TIMESTAMP.match(interim.timestamp), interim

    @pytest.mark.anyio
    async def test_turns_stream_in_order(self, stt: STTService) -> None:
        self.require_streaming()
        heard = await self.hear(
            stt,
            *self.two_turns(),
            until=got(2),
        )
        self.assert_transcripts(heard, self.expected_words, self.other_expected_words)
        assert re.fullmatch("I+FI+F", heard.sequence), f"each turn's interims, then its final: {heard.sequence}"

    @pytest.mark.anyio
    async def test_turn_end_signalled_twice_gives_one_final(self, stt: STTService) -> None:
        """A second VAD stop (and more silence) after the turn ended: still one final, and no other."""
        self.require_streaming()
        rate = self.sample_rate
        frames = [
            *self.utterance(self.clip_pcm(self.clip)),
            *self.audio_frames(silence(0.3, rate), rate),
            VADUserStoppedSpeakingFrame(),
            *self.audio_frames(silence(0.5, rate), rate),
        ]
        heard = await self.hear(stt, *frames, until=got(1))  # the run's end flushes anything left
        self.assert_transcripts(heard, self.expected_words)
        assert heard.sequence.count("F") == 1 and heard.sequence.endswith("F"), heard.sequence

    @pytest.mark.anyio
    async def test_cancel_once_interims_flow_leaves_nothing_stray(self, stt: STTService) -> None:
        """Cancelled mid-turn (interim results arrived): the next run hears only its own words."""
        self.require_streaming()
        task, recorder, _ = self.task_for(stt)
        speech = self.utterance(self.clip_pcm(self.clip))
        async with running(task, start_timeout=self.timeout):
            await task.queue_frames(speech[: len(speech) * 3 // 4])  # no VAD stop: the turn is open
            await recorder.wait_for(lambda: recorder.of(InterimTranscriptionFrame), self.timeout)
            await task.cancel()
        assert not recorder.of(TranscriptionFrame), "a final for a turn that never ended"
        heard = await self.hear(stt, *self.utterance(self.clip_pcm(self.other_clip)), until=got(1))
        self.assert_transcripts(heard, self.other_expected_words)
        stray = spellings(self.expected_words) - spellings(self.other_expected_words)
        for frame in heard.interims:
            assert not stray & words_of(frame.text), f"the cancelled turn's words in the next run: {frame.text!r}"

    @pytest.mark.anyio
    async def test_final_is_what_the_interims_converged_to(self, stt: STTService) -> None:
        """Each turn's final takes up its last interim result (every word of it but a cut-off last
        one), and no interim text is ever pushed again as the final of a later turn."""
        self.require_streaming()
        heard = await self.hear(
            stt,
            *self.two_turns(),
            until=got(2),
        )
        self.assert_transcripts(heard, self.expected_words, self.other_expected_words)
        for interims, final in heard.turns:
            assert interims, f"no interim result before the final {final.text!r}"
            last = re.findall(r"[a-z0-9']+", interims[-1].text.lower())
            dropped = [w for w in last[:-1] if w not in words_of(final.text)]
            assert not dropped, f"the final {final.text!r} lost {dropped} of the last interim {interims[-1].text!r}"
        stray = spellings(self.expected_words) - spellings(self.other_expected_words)
        assert not stray & words_of(heard.texts[1]), f"the first turn's words in the second final: {heard.texts[1]!r}"

    @pytest.mark.anyio
    async def test_only_finals_reach_the_llm_context(self, stt: STTService) -> None:
        """Behind the user aggregator, each turn adds one user message, the final's text: no interim."""
        self.require_streaming()
        context = LLMContext()
        contexts = FrameRecorder(types=(LLMContextFrame, TranscriptionFrame, InterimTranscriptionFrame))
        params = PipelineParams(audio_in_sample_rate=self.sample_rate)
        task = PipelineTask(Pipeline([stt, LLMUserAggregator(context), contexts]), params=params, enable_rtvi=False)
        frames: list[Frame] = []
        for clip in (self.clip, self.other_clip):
            utterance = self.utterance(self.clip_pcm(clip))
            start = next(i for i, f in enumerate(utterance) if isinstance(f, VADUserStartedSpeakingFrame))
            utterance.insert(start + 1, UserStartedSpeakingFrame())
            frames += [*utterance, UserStoppedSpeakingFrame()]
        async with running(task, start_timeout=self.timeout):
            await task.queue_frames(frames)
            await contexts.wait_for(lambda: len(contexts.of(LLMContextFrame)) >= 2, self.timeout)
        users = [m["content"] for m in context.messages if m["role"] == "user"]
        assert len(users) == 2, users
        self.assert_heard(users[0], self.expected_words)
        self.assert_heard(users[1], self.other_expected_words)
        assert not contexts.of((TranscriptionFrame, InterimTranscriptionFrame)), "transcriptions passed the aggregator"

    @pytest.mark.anyio
    async def test_interruption_once_interims_flow_keeps_the_turn(self, stt: STTService) -> None:
        """A barge-in (``InterruptionFrame``) while interim results flow: the turn goes on to its one final."""
        self.require_streaming()
        task, recorder, errors = self.task_for(stt)
        heard = Heard(recorder, errors)
        speech = self.utterance(self.clip_pcm(self.clip))
        half = len(speech) * 3 // 4
        async with running(task, start_timeout=self.timeout):
            await task.queue_frames(speech[:half])
            await recorder.wait_for(lambda: recorder.of(InterimTranscriptionFrame), self.timeout)
            await task.queue_frames([InterruptionFrame(), *speech[half:]])
            await recorder.wait_for(lambda: heard.finals, self.timeout)
        self.assert_transcripts(heard, self.expected_words)
        assert re.fullmatch("I+F", heard.sequence), heard.sequence

    @pytest.mark.anyio
    async def test_cancelled_run_pushes_nothing_after_the_cancel(self, stt: STTService) -> None:
        """Cancelled while a turn's results are on their way (interims flow, the turn just ended):
        nothing more comes out of that run, however long the next one lasts, and the next
        run hears only its own turn."""
        self.require_streaming()
        task, recorder, _ = self.task_for(stt)
        speech = self.utterance(self.clip_pcm(self.clip))
        async with running(task, start_timeout=self.timeout):
            await task.queue_frames(speech[: len(speech) // 2])
            await recorder.wait_for(lambda: recorder.of(InterimTranscriptionFrame), self.timeout)
            await task.queue_frames(speech[len(speech) // 2 :])  # the VAD stop: a final may be under way
            await task.cancel()
        seen = len(recorder.frames)
        heard = await self.hear(stt, *self.utterance(self.clip_pcm(self.other_clip)), until=got(1))
        assert len(recorder.frames) == seen, f"the cancelled run went on: {recorder.frames[seen:]}"
        self.assert_transcripts(heard, self.other_expected_words)
        assert re.fullmatch("I*F", heard.sequence), heard.sequence
