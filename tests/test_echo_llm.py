"""EchoLLMService: deterministic replies, word streaming, tool rules and usage."""

from __future__ import annotations

import anyio
import pytest
from support import bare_task

from rtvi_core.builtins.echo_llm import GREETING, EchoLLMService, EchoRule, ToolRule
from rtvi_core.frames import (
    FunctionCallInProgressFrame,
    InterruptionFrame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    LLMMessagesAppendFrame,
    LLMRunFrame,
    LLMTextFrame,
    MetricsFrame,
)
from rtvi_core.metrics import LLMUsageMetricsData
from rtvi_core.services.function_calls import FunctionCallParams
from rtvi_core.services.llm_aggregators import LLMContextAggregatorPair
from rtvi_core.services.llm_context import LLMContext
from rtvi_core.testing import FrameRecorder, eventually, running

pytestmark = pytest.mark.anyio


def say(text: str) -> LLMMessagesAppendFrame:
    return LLMMessagesAppendFrame(messages=[{"role": "user", "content": text}], run_llm=True)


async def converse(llm: EchoLLMService, *texts: str, **params: object) -> tuple[FrameRecorder, LLMContext]:
    """Run one reply per text through aggregators + ``llm``; returns the sink and context."""
    pair = LLMContextAggregatorPair(LLMContext())
    sink = FrameRecorder()
    async with running(bare_task([pair.user(), llm, sink, pair.assistant()], **params)) as task:
        for count, text in enumerate(texts, 1):
            await task.queue_frame(say(text))
            await eventually(lambda: len(sink.of(LLMFullResponseEndFrame)) >= count)  # noqa: B023 (used at once)
            await eventually(lambda: pair.context.messages[-1]["role"] == "assistant")
    return sink, pair.context


async def test_greeting_streamed_word_by_word_in_order() -> None:
    sink, context = await converse(EchoLLMService(), "Hi there")
    frames = sink.of((LLMFullResponseStartFrame, LLMTextFrame, LLMFullResponseEndFrame))
    assert isinstance(frames[0], LLMFullResponseStartFrame)
    assert isinstance(frames[-1], LLMFullResponseEndFrame)
    chunks = [f.text for f in frames[1:-1]]
    assert chunks == ["Hello!", " How", " can", " I", " help", " you", " today?"]
    assert context.messages[-1] == {"role": "assistant", "content": GREETING}


async def test_fallback_and_custom_rules() -> None:
    llm = EchoLLMService(rules=[EchoRule(r"my name is (\w+)", "Nice to meet you, {1}.")])
    _, context = await converse(llm, "my name is Ada", "what time is it")
    replies = [m["content"] for m in context.messages if m["role"] == "assistant"]
    assert replies == ["Nice to meet you, Ada.", "You said: what time is it"]


async def test_greets_a_context_without_user_message() -> None:
    pair = LLMContextAggregatorPair(LLMContext([{"role": "system", "content": "be nice"}]))
    sink = FrameRecorder()
    task = bare_task([pair.user(), EchoLLMService(), sink, pair.assistant()])
    async with running(task):
        await task.queue_frame(LLMRunFrame())
        await eventually(lambda: sink.of(LLMFullResponseEndFrame))
    assert "".join(sink.texts(LLMTextFrame)) == GREETING


async def test_tool_rule_calls_tool_then_replies_with_result() -> None:
    async def get_weather(params: FunctionCallParams) -> None:
        await params.result_callback({"city": params.arguments["city"], "temp": 21})

    rule = ToolRule(r"weather in (\w+)", "get_weather", {"city": "{1}", "units": 1})
    llm = EchoLLMService(tool_rules=[rule])
    llm.register_function("get_weather", get_weather)
    sink, context = await converse(llm, "What's the weather in Paris?")
    (in_progress,) = sink.of(FunctionCallInProgressFrame)
    assert in_progress.arguments == {"city": "Paris", "units": 1}
    assert context.messages[-1] == {
        "role": "assistant",
        "content": 'get_weather returned: {"city": "Paris", "temp": 21}',
    }


async def test_reports_word_count_usage() -> None:
    sink, _ = await converse(EchoLLMService(), "one two three", enable_metrics=True, enable_usage_metrics=True)
    metrics = [d for f in sink.of(MetricsFrame) for d in f.data]
    usage = [d.value for d in metrics if isinstance(d, LLMUsageMetricsData)]
    # Prompt: the three user words; reply: "You said: one two three" is five chunks.
    assert [(u.prompt_tokens, u.completion_tokens, u.total_tokens) for u in usage] == [(3, 5, 8)]


async def test_token_delay_lets_an_interruption_cut_the_reply() -> None:
    pair = LLMContextAggregatorPair(LLMContext())
    sink = FrameRecorder()
    llm = EchoLLMService(token_delay=0.05)
    async with running(bare_task([pair.user(), llm, sink, pair.assistant()])) as task:
        await task.queue_frame(say("a fairly long sentence to echo back"))
        await eventually(lambda: sink.of(LLMTextFrame))
        await task.queue_frame(InterruptionFrame())
        await eventually(lambda: sink.of(LLMFullResponseEndFrame))
        await anyio.sleep(0.1)
    assert 0 < len(sink.of(LLMTextFrame)) < 9
    assert pair.context.messages[-1]["content"] == "".join(sink.texts(LLMTextFrame))
