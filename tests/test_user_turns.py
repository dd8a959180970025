"""Smart turn end: the text rule of ``TextTurnAnalyzer`` and the ``UserTurnProcessor`` that uses it."""

from __future__ import annotations

import anyio
import pytest
from support import bare_task

from rtvi_core.builtins.text_turn import TextTurnAnalyzer, utterance_complete
from rtvi_core.frames import (
    Frame,
    InterimTranscriptionFrame,
    InterruptionFrame,
    LLMContextFrame,
    TranscriptionFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)
from rtvi_core.services.llm_aggregators import LLMContextAggregatorPair
from rtvi_core.services.llm_context import LLMContext
from rtvi_core.services.turn_analyzer import TurnAnalyzer
from rtvi_core.services.user_turns import ANALYZED_CHARS, UserTurnProcessor
from rtvi_core.testing import FrameRecorder, eventually, running

COMPLETE = [
    "What is the weather like in Paris today?",
    "Can you book a table for two tonight?",
    "Turn on the lights in the kitchen, please.",
    "Yes.",
    "Okay!",
    "Who is it for?",  # a question closes on a preposition
    "And?",
    "Call me at 5.",
    "I think so.",
    "Tell me when.",
    'He said "stop."',
    "I'd like to book a table… for two people.",  # a pause inside, closed at the end
]
OPEN = [
    "",
    "I'd like to book a table for",  # no terminal punctuation
    "I'd like to book a table for.",  # Whisper's period after a trailing preposition
    "And then...",
    "and then.",
    "I want to.",
    "I want to…",
    "Can you tell me, um.",
    "Uh?",
    "My name is,",
    "I'm looking for the.",
    "Let me think, you know.",
    "It's kind of.",
    "I'd like a coffee and.",
    "Is it the?",
    "Can you remind me and?",
    "Can you remind me to?",  # but "to": Whisper's question mark on a request that trails off
    "Is that your?",
    "Well I'm.",
    "...",
]


@pytest.mark.parametrize("text", COMPLETE)
def test_complete_utterances(text: str) -> None:
    assert utterance_complete(text)


@pytest.mark.parametrize("text", OPEN)
def test_utterances_left_open(text: str) -> None:
    assert not utterance_complete(text)


def test_without_required_punctuation_the_last_word_decides() -> None:
    assert utterance_complete("play some music in the living room please", require_punctuation=False)
    assert not utterance_complete("send the report to", require_punctuation=False)
    assert not utterance_complete("I want to go to the...", require_punctuation=False)
    assert not utterance_complete("play some music in the living room please")


def test_analyzer_validates_stop_secs() -> None:
    assert TextTurnAnalyzer().stop_secs == 0.8
    with pytest.raises(ValueError, match="stop_secs"):
        TextTurnAnalyzer(stop_secs=-1)
    with pytest.raises(ValueError, match="unpunctuated_secs"):
        TextTurnAnalyzer(unpunctuated_secs=-0.1)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("text", "wait"),
    [
        ("Turn off my lights.", 0.0),  # whole: at the pause
        ("turn off my lights", 0.4),  # only the terminal punctuation missing: likely whole
        ("Play some music in the living room, please", 0.4),
        ("send the report to", 0.8),  # trails off: the longest wait
        ("I'd like a table for two,", 0.8),
        ("and then", 0.8),
    ],
)
async def test_a_transcript_without_terminal_punctuation_waits_less_than_one_that_trails_off(text, wait) -> None:
    assert await TextTurnAnalyzer().wait_secs(text) == wait
    last_word = TextTurnAnalyzer(require_punctuation=False)  # an STT that does not punctuate
    assert await last_word.wait_secs(text) == (0.0 if wait < 0.8 else 0.8)
    assert await TextTurnAnalyzer(stop_secs=0.3, unpunctuated_secs=0.5).wait_secs(text) == min(wait, 0.3)


def final(text: str) -> TranscriptionFrame:
    return TranscriptionFrame(text=text, user_id="u", timestamp="t")


def turn_frames(sink: FrameRecorder) -> list[Frame]:
    kinds = (UserStartedSpeakingFrame, UserStoppedSpeakingFrame, TranscriptionFrame, LLMContextFrame)
    return [f for f in sink.frames if isinstance(f, kinds)]


class Conversation:
    """``UserTurnProcessor`` → user aggregator → recorder, fed VAD and STT frames as a VAD-gated STT sends them."""

    def __init__(self, stop_secs: float, unpunctuated_secs: float = 0.4) -> None:
        self.pair = LLMContextAggregatorPair(LLMContext())
        self.turns = UserTurnProcessor(TextTurnAnalyzer(stop_secs=stop_secs, unpunctuated_secs=unpunctuated_secs))
        self.sink = FrameRecorder()
        self.task = bare_task([self.turns, self.pair.user(), self.sink])

    async def segment(self, *texts: str, start_secs: float = 0.0) -> None:
        """Speech (interim results), the VAD's stop at a short pause, then the final."""
        await self.task.queue_frame(VADUserStartedSpeakingFrame(start_secs=start_secs))
        for text in texts[:-1]:
            await self.task.queue_frame(InterimTranscriptionFrame(text=text, user_id="u", timestamp="t"))
        await self.task.queue_frame(VADUserStoppedSpeakingFrame(stop_secs=0.2))
        await self.task.queue_frame(final(texts[-1]))

    def user_messages(self) -> list[str]:
        return [m["content"] for m in self.pair.context.messages if m["role"] == "user"]


@pytest.mark.anyio
async def test_complete_utterance_ends_the_turn_at_the_pause() -> None:
    talk = Conversation(stop_secs=3600)  # a held turn would never end in this test
    async with running(talk.task):
        await talk.segment("What is", "What is the weather?")
        await talk.sink.wait_for(lambda: talk.sink.of(LLMContextFrame))
    assert [type(f) for f in turn_frames(talk.sink)] == [
        UserStartedSpeakingFrame,
        UserStoppedSpeakingFrame,
        LLMContextFrame,
    ]
    assert talk.user_messages() == ["What is the weather?"]


@pytest.mark.anyio
async def test_trailing_utterance_holds_the_turn_and_the_user_goes_on() -> None:
    talk = Conversation(stop_secs=3600)
    async with running(talk.task):
        await talk.segment("I'd like", "I'd like to book a table for.")
        # the final reached the aggregator: the turn is held (no stop, no LLM run)
        await eventually(lambda: talk.turns._text)
        await anyio.sleep(0.05)
        assert not talk.sink.of((UserStoppedSpeakingFrame, LLMContextFrame))
        await talk.segment("two", "two people.")
        await talk.sink.wait_for(lambda: talk.sink.of(LLMContextFrame))
    assert [type(f) for f in turn_frames(talk.sink)] == [
        UserStartedSpeakingFrame,  # one turn: no second start, no interruption in it
        UserStoppedSpeakingFrame,
        LLMContextFrame,
    ]
    assert len(talk.sink.of(InterruptionFrame)) <= 1
    assert talk.user_messages() == ["I'd like to book a table for. two people."]


@pytest.mark.anyio
async def test_trailing_utterance_ends_after_stop_secs() -> None:
    talk = Conversation(stop_secs=0.25)  # 0.05 s after the VAD's 0.2 s pause
    async with running(talk.task):
        await talk.segment("and", "And then...")
        await talk.sink.wait_for(lambda: talk.sink.of(LLMContextFrame))
    assert talk.user_messages() == ["And then..."]


@pytest.mark.anyio
async def test_an_unpunctuated_transcript_ends_the_turn_after_the_shorter_wait() -> None:
    talk = Conversation(stop_secs=3600, unpunctuated_secs=0.05)  # only the shorter wait can end it
    async with running(talk.task):
        await talk.segment("turn off", "turn off my lights")
        await talk.sink.wait_for(lambda: talk.sink.of(LLMContextFrame))
    assert talk.user_messages() == ["turn off my lights"]


@pytest.mark.anyio
async def test_a_turn_without_transcript_ends_after_stop_secs_and_takes_a_late_final() -> None:
    talk = Conversation(stop_secs=0.0)
    async with running(talk.task):
        await talk.task.queue_frame(VADUserStartedSpeakingFrame())
        await talk.task.queue_frame(VADUserStoppedSpeakingFrame(stop_secs=0.2))
        await talk.sink.wait_for(lambda: talk.sink.of(UserStoppedSpeakingFrame))
        await talk.task.queue_frame(final("Hello there."))  # a slow STT's final, after the turn
        await talk.sink.wait_for(lambda: talk.sink.of(LLMContextFrame))
    assert talk.user_messages() == ["Hello there."]


@pytest.mark.anyio
async def test_speech_after_an_early_end_is_a_new_turn() -> None:
    talk = Conversation(stop_secs=3600)
    async with running(talk.task):
        await talk.segment("Yes.")
        await talk.sink.wait_for(lambda: talk.sink.of(LLMContextFrame))
        await talk.segment("And one more thing, please.")
        await talk.sink.wait_for(lambda: len(talk.sink.of(LLMContextFrame)) == 2)
    assert len(talk.sink.of(UserStartedSpeakingFrame)) == 2
    assert talk.user_messages() == ["Yes.", "And one more thing, please."]


def test_a_turn_section_puts_the_processor_before_the_user_aggregator() -> None:
    from rtvi_core.config import build_session, load_bot_text
    from rtvi_core.plugins import get_plugin_manager
    from rtvi_core.services.llm_aggregators import LLMUserAggregator

    text = '[vad]\nuse = "energy"\nstop_secs = 0.2\n[turn]\nuse = "text"\nstop_secs = 1.5\n[llm]\nuse = "echo"\n'
    config = load_bot_text(text, registry=get_plugin_manager(autoload=False).registry)
    session = build_session(config)
    chain = session.task.pipeline.processors
    turns = next(p for p in chain if isinstance(p, UserTurnProcessor))
    assert isinstance(chain[chain.index(turns) + 1], LLMUserAggregator)
    assert turns.analyzer is session.components["turn"] and turns.analyzer.stop_secs == 1.5
    assert not session.transport.input().vad_user_turns  # the processor makes the user turns
    without = build_session(load_bot_text('[vad]\nuse = "energy"\n[llm]\nuse = "echo"\n'))
    assert without.transport.input().vad_user_turns
    assert not any(isinstance(p, UserTurnProcessor) for p in without.task.pipeline.processors)


@pytest.mark.anyio
async def test_a_held_turn_waits_the_vads_start_secs_for_speech_that_resumed_within_stop_secs() -> None:
    talk = Conversation(stop_secs=0.2)  # all of it passed at the VAD's stop: only start_secs is left
    async with running(talk.task):
        await talk.segment("Please send the report to.", start_secs=3600)
        await eventually(lambda: talk.turns._text)
        await talk.segment("my manager.", start_secs=3600)  # confirmed after stop_secs: it began within them
        await talk.sink.wait_for(lambda: talk.sink.of(LLMContextFrame))
    assert talk.user_messages() == ["Please send the report to. my manager."]


class RecordingAnalyzer(TurnAnalyzer):
    """Records what it is asked; a turn is complete when its text ends with "done."."""

    def __init__(self) -> None:
        super().__init__(stop_secs=3600)
        self.asked: list[str] = []

    async def turn_complete(self, transcript: str) -> bool:
        self.asked.append(transcript)
        return transcript.endswith("done.")


@pytest.mark.anyio
async def test_the_analyzer_reads_a_bounded_end_of_a_huge_or_long_turn() -> None:
    """A 1 MiB transcript, then 300 more segments in the same turn: the analyzer never gets
    more than ANALYZED_CHARS, and still sees the end that completes the turn."""
    analyzer = RecordingAnalyzer()
    pair = LLMContextAggregatorPair(LLMContext())
    turns, sink = UserTurnProcessor(analyzer), FrameRecorder()
    task = bare_task([turns, pair.user(), sink])
    async with running(task):
        for text in ["x" * 2**20, *(f"word {n}," for n in range(300)), "and now I am done."]:
            await task.queue_frames(
                [VADUserStartedSpeakingFrame(), VADUserStoppedSpeakingFrame(stop_secs=0.2), final(text)]
            )
        await sink.wait_for(lambda: sink.of(LLMContextFrame), timeout=30)
    assert len(analyzer.asked) == 302
    assert max(map(len, analyzer.asked)) <= ANALYZED_CHARS
    assert analyzer.asked[-1].endswith("word 299, and now I am done.")
    assert len(sink.of(UserStoppedSpeakingFrame)) == 1  # one turn: the held segments went on
