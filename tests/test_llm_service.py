"""LLMService base: response framing, skip-TTS, interruption, metrics and tool calls."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import anyio
import pytest
from support import ScriptedLLM, bare_task

from rtvi_core.direction import FrameDirection
from rtvi_core.frames import (
    ErrorFrame,
    FunctionCallCancelFrame,
    FunctionCallFromLLM,
    FunctionCallInProgressFrame,
    FunctionCallResultFrame,
    FunctionCallResultProperties,
    FunctionCallsStartedFrame,
    InterruptionFrame,
    LLMConfigureOutputFrame,
    LLMContextFrame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    LLMTextFrame,
    MetricsFrame,
)
from rtvi_core.metrics import (
    LLMTokenUsage,
    LLMUsageMetricsData,
    ProcessingMetricsData,
    TTFBMetricsData,
)
from rtvi_core.services.function_calls import FunctionCallParams
from rtvi_core.services.llm_aggregators import LLMContextAggregatorPair
from rtvi_core.services.llm_context import LLMContext
from rtvi_core.testing import FrameRecorder, eventually, running

pytestmark = pytest.mark.anyio

UPSTREAM = FrameDirection.UPSTREAM


def tool_then_reply(function_name: str) -> Callable[[LLMContext], list[Any]]:
    """A script that calls ``function_name`` once, then reports the tool message."""

    def script(context: LLMContext) -> list[Any]:
        last = context.messages[-1]
        if last["role"] == "tool":
            return ["Result: ", last["content"]]
        return ["Let me check.", FunctionCallFromLLM(function_name, "call_1", {"city": "Paris"})]

    return script


# -- response framing ----------------------------------------------------------------


async def test_streams_text_between_start_and_end_with_metrics() -> None:
    usage = LLMTokenUsage(prompt_tokens=3, completion_tokens=2, total_tokens=5)
    llm = ScriptedLLM(lambda context: ["Hello", " world", usage])
    sink = FrameRecorder()
    task = bare_task([llm, sink], enable_metrics=True, enable_usage_metrics=True)
    async with running(task):
        await task.queue_frame(LLMContextFrame(context=LLMContext()))
        await eventually(lambda: sink.of(LLMFullResponseEndFrame))

    response = (LLMFullResponseStartFrame, LLMTextFrame, LLMFullResponseEndFrame)
    kinds = [type(f) for f in sink.of(response)]
    assert kinds == [LLMFullResponseStartFrame, LLMTextFrame, LLMTextFrame, LLMFullResponseEndFrame]
    assert "".join(sink.texts(LLMTextFrame)) == "Hello world"
    assert all(f.skip_tts is None for f in sink.of(LLMTextFrame))
    metrics = [d for f in sink.of(MetricsFrame) for d in f.data]
    assert any(isinstance(d, TTFBMetricsData) and d.processor == llm.name for d in metrics)
    assert any(isinstance(d, ProcessingMetricsData) for d in metrics)
    assert [d.value for d in metrics if isinstance(d, LLMUsageMetricsData)] == [usage]


async def test_configure_output_marks_following_inference_skip_tts_then_restores() -> None:
    llm = ScriptedLLM(lambda context: ["a", " b"])
    sink = FrameRecorder()
    async with running(bare_task([llm, sink])) as task:
        context = LLMContext()
        await task.queue_frames(
            [
                LLMConfigureOutputFrame(skip_tts=True),
                LLMContextFrame(context=context),
                LLMConfigureOutputFrame(skip_tts=False),
                LLMContextFrame(context=context),
            ]
        )
        await eventually(lambda: len(sink.of(LLMFullResponseEndFrame)) == 2)
        assert llm.skip_tts is False

    flags = [f.skip_tts for f in sink.of(LLMTextFrame)]
    assert flags == [True, True, None, None]
    assert not sink.of(LLMConfigureOutputFrame)  # consumed by the LLM


async def test_interruption_cancels_stream_and_still_ends_response() -> None:
    never = anyio.Event()
    llm = ScriptedLLM(lambda context: ["first", never, " never"])
    sink = FrameRecorder()
    async with running(bare_task([llm, sink])) as task:
        await task.queue_frame(LLMContextFrame(context=LLMContext()))
        await eventually(lambda: sink.of(LLMTextFrame))
        await task.queue_frame(InterruptionFrame())
        await eventually(lambda: sink.of(LLMFullResponseEndFrame))
        # The LLM is free again: a new inference runs to completion.
        llm.script = lambda context: ["again"]
        await task.queue_frame(LLMContextFrame(context=LLMContext()))
        await eventually(lambda: len(sink.of(LLMFullResponseEndFrame)) == 2)

    order = [
        type(f).__name__
        for f, d in sink.log
        if isinstance(f, (LLMTextFrame, InterruptionFrame, LLMFullResponseEndFrame))
    ]
    assert order == [
        "LLMTextFrame",
        "InterruptionFrame",
        "LLMFullResponseEndFrame",
        "LLMTextFrame",
        "LLMFullResponseEndFrame",
    ]
    assert "".join(sink.texts(LLMTextFrame)) == "firstagain"


# -- tool calls ----------------------------------------------------------------------


async def test_server_tool_call_full_cycle() -> None:
    calls: list[FunctionCallParams] = []

    async def get_weather(params: FunctionCallParams) -> None:
        calls.append(params)
        await params.result_callback({"temp": 20})

    context = LLMContext([{"role": "user", "content": "weather?"}])
    pair = LLMContextAggregatorPair(context)
    llm = ScriptedLLM(tool_then_reply("get_weather"))
    llm.register_function("get_weather", get_weather)
    head, sink = FrameRecorder(), FrameRecorder()
    async with running(bare_task([head, pair.user(), llm, sink, pair.assistant()])) as task:
        await task.queue_frame(LLMContextFrame(context=context))
        await eventually(lambda: len(sink.of(LLMFullResponseEndFrame)) == 2)
        await eventually(lambda: context.messages[-1]["role"] == "assistant")

    (params,) = calls
    assert (params.function_name, params.tool_call_id, params.arguments) == (
        "get_weather",
        "call_1",
        {"city": "Paris"},
    )
    assert params.llm is llm and params.context is context
    ordered = [
        type(f).__name__
        for f in sink.of(
            (
                LLMFullResponseStartFrame,
                LLMFullResponseEndFrame,
                FunctionCallInProgressFrame,
                FunctionCallResultFrame,
            )
        )
    ]
    assert ordered == [
        "LLMFullResponseStartFrame",
        "FunctionCallInProgressFrame",
        "LLMFullResponseEndFrame",
        "FunctionCallResultFrame",
        "LLMFullResponseStartFrame",
        "LLMFullResponseEndFrame",
    ]
    assert len(sink.of(FunctionCallsStartedFrame)) == 1
    for cls in (FunctionCallsStartedFrame, FunctionCallInProgressFrame, FunctionCallResultFrame):
        assert len(head.of(cls, UPSTREAM)) == 1, cls
    assert sink.of(FunctionCallInProgressFrame)[0].cancel_on_interruption is True
    assert context.messages == [
        {"role": "user", "content": "weather?"},
        {"role": "assistant", "content": "Let me check."},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": json.dumps({"city": "Paris"})},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": '{"temp": 20}'},
        {"role": "assistant", "content": 'Result: {"temp": 20}'},
    ]


async def test_result_with_run_llm_false_does_not_run_again() -> None:
    async def quiet(params: FunctionCallParams) -> None:
        await params.result_callback("ok", properties=FunctionCallResultProperties(run_llm=False))

    context = LLMContext([{"role": "user", "content": "go"}])
    pair = LLMContextAggregatorPair(context)
    llm = ScriptedLLM(tool_then_reply("quiet"))
    llm.register_function("quiet", quiet)
    sink = FrameRecorder()
    async with running(bare_task([pair.user(), llm, pair.assistant(), sink])) as task:
        await task.queue_frame(LLMContextFrame(context=context))
        await eventually(lambda: sink.of(FunctionCallResultFrame))
        await anyio.sleep(0.05)
    assert llm.inferences == 1
    assert context.messages[-1] == {"role": "tool", "tool_call_id": "call_1", "content": '"ok"'}


async def test_client_side_tool_completed_by_result_from_the_top() -> None:
    context = LLMContext([{"role": "user", "content": "where am I?"}])
    pair = LLMContextAggregatorPair(context)
    llm = ScriptedLLM(tool_then_reply("get_location"))
    llm.register_client_function("get_location")
    sink = FrameRecorder()
    async with running(bare_task([pair.user(), llm, sink, pair.assistant()])) as task:
        await task.queue_frame(LLMContextFrame(context=context))
        await eventually(lambda: sink.of(FunctionCallInProgressFrame))
        await anyio.sleep(0.02)
        assert llm.inferences == 1  # waiting for the client
        await task.queue_frame(
            FunctionCallResultFrame(
                function_name="get_location",
                tool_call_id="call_1",
                arguments={"city": "Paris"},
                result={"city": "Lyon"},
            )
        )
        await eventually(lambda: len(sink.of(LLMFullResponseEndFrame)) == 2)
        await eventually(lambda: context.messages[-1]["role"] == "assistant")

    assert llm.inferences == 2
    tool = {"role": "tool", "tool_call_id": "call_1", "content": '{"city": "Lyon"}'}
    assert tool in context.messages
    assert context.messages[-1]["content"] == 'Result: {"city": "Lyon"}'


async def test_handler_exception_reports_error_and_llm_continues() -> None:
    async def broken(params: FunctionCallParams) -> None:
        raise RuntimeError("boom")

    context = LLMContext([{"role": "user", "content": "go"}])
    pair = LLMContextAggregatorPair(context)
    llm = ScriptedLLM(tool_then_reply("broken"))
    llm.register_function("broken", broken)
    head, sink = FrameRecorder(), FrameRecorder()
    async with running(bare_task([head, pair.user(), llm, sink, pair.assistant()])) as task:
        await task.queue_frame(LLMContextFrame(context=context))
        await eventually(lambda: len(sink.of(LLMFullResponseEndFrame)) == 2)

    (error,) = head.of(ErrorFrame, UPSTREAM)
    assert not error.fatal and "boom" in error.error
    tool = next(m for m in context.messages if m["role"] == "tool")
    assert "boom" in json.loads(tool["content"])["error"]
    assert "boom" in "".join(sink.texts(LLMTextFrame))


async def test_unknown_function_gets_error_result() -> None:
    context = LLMContext([{"role": "user", "content": "go"}])
    pair = LLMContextAggregatorPair(context)
    llm = ScriptedLLM(tool_then_reply("nope"))
    sink = FrameRecorder()
    async with running(bare_task([pair.user(), llm, sink, pair.assistant()])) as task:
        await task.queue_frame(LLMContextFrame(context=context))
        await eventually(lambda: len(sink.of(LLMFullResponseEndFrame)) == 2)
    (result,) = sink.of(FunctionCallResultFrame)
    assert "unknown function" in result.result["error"]
    assert llm.inferences == 2


async def test_interruption_cancels_running_handlers() -> None:
    cancelled: list[str] = []

    async def slow(params: FunctionCallParams) -> None:
        try:
            await anyio.sleep_forever()
        finally:
            cancelled.append(params.function_name)

    async def keep(params: FunctionCallParams) -> None:
        await anyio.sleep(0.05)
        await params.result_callback("kept", properties=FunctionCallResultProperties(run_llm=False))

    def script(context: LLMContext) -> list[Any]:
        return [FunctionCallFromLLM("slow", "c1", {}), FunctionCallFromLLM("keep", "c2", {})]

    context = LLMContext([{"role": "user", "content": "go"}])
    pair = LLMContextAggregatorPair(context)
    llm = ScriptedLLM(script)
    llm.register_function("slow", slow)
    llm.register_function("keep", keep, cancel_on_interruption=False)
    head, sink = FrameRecorder(), FrameRecorder()
    async with running(bare_task([head, pair.user(), llm, sink, pair.assistant()])) as task:
        await task.queue_frame(LLMContextFrame(context=context))
        await eventually(lambda: len(sink.of(FunctionCallInProgressFrame)) == 2)
        await task.queue_frame(InterruptionFrame())
        await eventually(lambda: cancelled and sink.of(FunctionCallResultFrame))

    (cancel,) = sink.of(FunctionCallCancelFrame)
    assert (cancel.function_name, cancel.tool_call_id) == ("slow", "c1")
    assert len(head.of(FunctionCallCancelFrame, UPSTREAM)) == 1
    assert [f.result for f in sink.of(FunctionCallResultFrame)] == ["kept"]
    tools = {m["tool_call_id"]: m["content"] for m in context.messages if m["role"] == "tool"}
    assert tools == {"c1": "CANCELLED", "c2": '"kept"'}
    assert llm.inferences == 1


async def test_timeout_cancels_call() -> None:
    async def hang(params: FunctionCallParams) -> None:
        await anyio.sleep_forever()

    llm = ScriptedLLM(lambda context: [FunctionCallFromLLM("hang", "c1", {})])
    llm.register_function("hang", hang, timeout_secs=0.02)
    sink = FrameRecorder()
    async with running(bare_task([llm, sink])) as task:
        await task.queue_frame(LLMContextFrame(context=LLMContext()))
        await eventually(lambda: sink.of(FunctionCallCancelFrame))
    assert not sink.of(FunctionCallResultFrame)
