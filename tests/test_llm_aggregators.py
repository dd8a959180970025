"""Context aggregators: user turns, context edits, assistant replies and commits."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from support import ScriptedLLM, bare_task

from rtvi_core.direction import FrameDirection
from rtvi_core.frames import (
    AggregatedTextFrame,
    ErrorFrame,
    Frame,
    FunctionCallFromLLM,
    FunctionCallInProgressFrame,
    InterimTranscriptionFrame,
    InterruptionFrame,
    LLMContextFrame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    LLMMessagesAppendFrame,
    LLMMessagesUpdateFrame,
    LLMRunFrame,
    LLMSetToolsFrame,
    LLMTextFrame,
    TextFrame,
    TranscriptionFrame,
    TTSStartedFrame,
    TTSStoppedFrame,
    TTSTextFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from rtvi_core.processor import FrameProcessor
from rtvi_core.services.function_calls import FunctionCallParams
from rtvi_core.services.llm_aggregators import LLMContextAggregatorPair, LLMUserAggregatorParams
from rtvi_core.services.llm_context import LLMContext
from rtvi_core.testing import FrameRecorder, eventually, running

pytestmark = pytest.mark.anyio


def transcription(text: str) -> TranscriptionFrame:
    return TranscriptionFrame(text=text, user_id="u", timestamp="t")


def user_pair(timeout: float = 5.0) -> LLMContextAggregatorPair:
    return LLMContextAggregatorPair(
        LLMContext([{"role": "system", "content": "sys"}]),
        user_params=LLMUserAggregatorParams(aggregation_timeout=timeout),
    )


async def test_user_turn_becomes_one_user_message_and_runs_llm() -> None:
    pair = user_pair()
    sink = FrameRecorder()
    async with running(bare_task([pair.user(), sink])) as task:
        await task.queue_frames(
            [
                UserStartedSpeakingFrame(),
                InterimTranscriptionFrame(text="hel", user_id="u", timestamp="t"),
                transcription("Hello"),
                transcription("world "),
            ]
        )
        # Let the queued transcriptions reach the aggregator (as in a live turn): the
        # stop is a system frame and would overtake them.
        await anyio.sleep(0.02)
        await task.queue_frame(UserStoppedSpeakingFrame())
        await eventually(lambda: sink.of(LLMContextFrame))

    (frame,) = sink.of(LLMContextFrame)
    assert frame.context is pair.context
    assert pair.context.messages[-1] == {"role": "user", "content": "Hello world"}
    assert not sink.of((TranscriptionFrame, InterimTranscriptionFrame))
    assert len(sink.of((UserStartedSpeakingFrame, UserStoppedSpeakingFrame))) == 2


async def test_late_final_after_turn_end_is_sent_without_waiting_for_timeout() -> None:
    pair = user_pair(timeout=30.0)  # the test would time out if it waited for this
    sink = FrameRecorder()
    async with running(bare_task([pair.user(), sink])) as task:
        await task.queue_frames([UserStartedSpeakingFrame(), UserStoppedSpeakingFrame()])
        await anyio.sleep(0.02)
        assert not sink.of(LLMContextFrame)
        await task.queue_frame(transcription("late words"))
        await eventually(lambda: sink.of(LLMContextFrame))
    assert pair.context.messages[-1] == {"role": "user", "content": "late words"}


async def test_a_final_slower_than_the_timeout_is_still_the_turns_and_sent_at_once() -> None:
    # A segmented STT (Whisper) transcribes after the turn ended and may take longer
    # than aggregation_timeout: its final must not wait another timeout.
    pair = user_pair(timeout=0.05)
    sink = FrameRecorder()
    async with running(bare_task([pair.user(), sink])) as task:
        await task.queue_frames([UserStartedSpeakingFrame(), UserStoppedSpeakingFrame()])
        await anyio.sleep(0.2)
        assert not sink.of(LLMContextFrame)
        # The marker queued right after it passes the aggregator after the final is handled.
        await task.queue_frames([transcription("slow words"), TextFrame(text="marker")])
        await eventually(lambda: sink.of(LLMContextFrame))
    order = [type(f) for f in sink.frames if isinstance(f, (LLMContextFrame, TextFrame))]
    assert order[:2] == [LLMContextFrame, TextFrame], "the final waited for a timeout"
    assert pair.context.messages[-1] == {"role": "user", "content": "slow words"}


async def test_transcriptions_outside_a_turn_are_sent_after_the_timeout() -> None:
    pair = user_pair(timeout=0.05)
    sink = FrameRecorder()
    async with running(bare_task([pair.user(), sink])) as task:
        await task.queue_frames([transcription("typed"), transcription("text")])
        await eventually(lambda: sink.of(LLMContextFrame))
        await anyio.sleep(0.1)
    assert len(sink.of(LLMContextFrame)) == 1
    assert pair.context.messages[-1] == {"role": "user", "content": "typed text"}


async def test_context_edit_frames() -> None:
    pair = user_pair()
    sink = FrameRecorder()
    tools = [{"type": "function", "function": {"name": "f", "parameters": {}}}]
    async with running(bare_task([pair.user(), sink])) as task:
        await task.queue_frames(
            [
                LLMMessagesAppendFrame(messages=[{"role": "user", "content": "a"}], run_llm=False),
                LLMSetToolsFrame(tools=tools),
            ]
        )
        await eventually(lambda: pair.context.tools == tools)
        assert pair.context.messages[-1] == {"role": "user", "content": "a"}
        assert not sink.of(LLMContextFrame)

        await task.queue_frame(LLMRunFrame())
        await eventually(lambda: len(sink.of(LLMContextFrame)) == 1)
        await task.queue_frame(LLMMessagesAppendFrame(messages=[{"role": "user", "content": "b"}], run_llm=True))
        await eventually(lambda: len(sink.of(LLMContextFrame)) == 2)
        await task.queue_frame(LLMMessagesUpdateFrame(messages=[{"role": "user", "content": "c"}], run_llm=True))
        await eventually(lambda: len(sink.of(LLMContextFrame)) == 3)

    assert pair.context.messages == [{"role": "user", "content": "c"}]
    assert not sink.of((LLMMessagesAppendFrame, LLMRunFrame, LLMSetToolsFrame))


async def test_assistant_commits_partial_reply_on_interruption_before_next_user_message() -> None:
    never = anyio.Event()
    pair = user_pair(timeout=0.01)
    llm = ScriptedLLM(lambda context: ["I was", " saying", never, " more"])
    tail = FrameRecorder()
    async with running(bare_task([pair.user(), llm, pair.assistant(), tail])) as task:
        await task.queue_frame(LLMRunFrame())
        await eventually(lambda: len(tail.of(LLMTextFrame)) == 2)
        await task.queue_frames([UserStartedSpeakingFrame(), InterruptionFrame()])
        await eventually(lambda: tail.of(LLMFullResponseEndFrame))
        await task.queue_frames([transcription("stop"), UserStoppedSpeakingFrame()])
        await eventually(lambda: len(pair.context.messages) == 3)

    assert pair.context.messages[1:] == [
        {"role": "assistant", "content": "I was saying"},
        {"role": "user", "content": "stop"},
    ]


async def test_assistant_uses_spoken_text_when_tts_is_present() -> None:
    pair = user_pair()
    tail = FrameRecorder()

    def reply(*frames: Any) -> list[Any]:
        return [LLMFullResponseStartFrame(), *frames, LLMFullResponseEndFrame()]

    async with running(bare_task([pair.assistant(), tail])) as task:
        await task.queue_frames(
            reply(
                # What a TTS lets through: LLM text would double-count if it were used.
                LLMTextFrame(text="Hi"),
                LLMTextFrame(text=" there."),
                TTSStartedFrame(context_id="c"),
                AggregatedTextFrame(text="Hi there.", will_be_spoken=True),
                TTSTextFrame(text="Hi", aggregated_by="word"),
                TTSTextFrame(text="there.", aggregated_by="word"),
                TTSStoppedFrame(context_id="c"),
            )
        )
        await task.queue_frames(reply(AggregatedTextFrame(text="Not spoken.", will_be_spoken=False)))
        await eventually(lambda: len(tail.of(LLMFullResponseEndFrame)) == 2)

    assert pair.context.messages[1:] == [
        {"role": "assistant", "content": "Hi there."},
        {"role": "assistant", "content": "Not spoken."},
    ]


async def test_turn_end_waits_for_transcriptions_already_queued_at_the_aggregator() -> None:
    pair = user_pair(timeout=30.0)
    user = pair.user()
    sink = FrameRecorder()
    async with running(bare_task([user, sink])) as task:
        await task.queue_frame(UserStartedSpeakingFrame())
        await eventually(lambda: sink.of(UserStartedSpeakingFrame))
        # Delivered straight to the aggregator: the transcriptions are queued in its
        # inbox while the (system) stop frame is handled at once.
        await user.queue_frame(transcription("one"))
        await user.queue_frame(transcription("two"))
        await user.queue_frame(UserStoppedSpeakingFrame())
        await eventually(lambda: sink.of(LLMContextFrame))
        await anyio.sleep(0.02)
    assert len(sink.of(LLMContextFrame)) == 1
    assert pair.context.messages[-1] == {"role": "user", "content": "one two"}


class HoldFirst(FrameProcessor):
    """Holds the first queued frame until an interruption cancels (drops) it."""

    def __init__(self) -> None:
        super().__init__()
        self.held = False

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if not frame.is_system and not self.held:
            self.held = True
            await anyio.sleep_forever()
        await self.push_frame(frame, direction)


async def test_cancel_overtaking_queued_in_progress_frame_does_not_block_later_tool_runs() -> None:
    started = anyio.Event()

    async def slow(params: FunctionCallParams) -> None:
        started.set()
        await anyio.sleep_forever()

    async def quick(params: FunctionCallParams) -> None:
        await params.result_callback("fine")

    def script(context: LLMContext) -> list[Any]:
        last = context.messages[-1]
        if last["role"] == "tool" and last["content"] != "CANCELLED":
            return ["done"]
        if last["role"] == "tool":
            return [FunctionCallFromLLM("quick", "c2", {})]
        return [FunctionCallFromLLM("slow", "c1", {})]

    pair = user_pair()
    pair.context.add_message({"role": "user", "content": "go"})
    llm = ScriptedLLM(script)
    llm.register_function("slow", slow)
    llm.register_function("quick", quick)
    hold, tail = HoldFirst(), FrameRecorder()
    async with running(bare_task([llm, hold, pair.assistant(), tail])) as task:
        await task.queue_frame(LLMContextFrame(context=pair.context))
        await started.wait()
        # The in-progress frame is queued behind the held frame; the cancel overtakes it.
        await task.queue_frame(InterruptionFrame())
        await eventually(lambda: tail.of(FunctionCallInProgressFrame))
        cancelled = {"role": "tool", "tool_call_id": "c1", "content": "CANCELLED"}
        assert pair.context.messages[-1] == cancelled
        await task.queue_frame(LLMContextFrame(context=pair.context))
        await eventually(lambda: "".join(tail.texts(LLMTextFrame)) == "done")
    assert llm.inferences == 3


async def test_a_user_turn_keeps_max_turn_chars_and_reports_the_cut_once() -> None:
    pair = LLMContextAggregatorPair(
        LLMContext(), user_params=LLMUserAggregatorParams(aggregation_timeout=5.0, max_turn_chars=20)
    )
    above, sink = FrameRecorder(), FrameRecorder()
    async with running(bare_task([above, pair.user(), sink])) as task:
        await task.queue_frames(
            [
                UserStartedSpeakingFrame(),
                transcription("twelve chars"),
                transcription("and more words"),
                transcription("and even more"),
            ]
        )
        await anyio.sleep(0.02)  # let the queued transcriptions reach the aggregator
        await task.queue_frame(UserStoppedSpeakingFrame())
        await eventually(lambda: sink.of(LLMContextFrame))
        # The next turn starts empty again.
        await task.queue_frames([UserStartedSpeakingFrame(), transcription("next")])
        await anyio.sleep(0.02)
        await task.queue_frame(UserStoppedSpeakingFrame())
        await eventually(lambda: len(sink.of(LLMContextFrame)) == 2)

    user_messages = [m["content"] for m in pair.context.messages if m["role"] == "user"]
    assert user_messages == ["twelve chars and mor", "next"]  # 20 characters, then the next turn
    (error,) = above.of(ErrorFrame, FrameDirection.UPSTREAM)
    assert error.error.endswith("the user turn is longer than 20 characters: the rest of it is dropped")
    assert not error.fatal
