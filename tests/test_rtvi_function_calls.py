"""Function-call events and report levels (spec §8; checklist §20 items 8, 50–52)."""

from __future__ import annotations

from typing import Any

import pytest
from rtvi_observer_support import DOWNSTREAM, UPSTREAM, Emit, Emitter, Session, observed

from rtvi_core.frames import (
    Frame,
    FunctionCallCancelFrame,
    FunctionCallFromLLM,
    FunctionCallInProgressFrame,
    FunctionCallResultFrame,
    FunctionCallsStartedFrame,
)
from rtvi_core.rtvi.frames import RTVIObserverConfigFrame
from rtvi_core.rtvi.observer_params import FunctionCallReportLevel, RTVIObserverParams

pytestmark = pytest.mark.anyio

ARGS = {"city": "Paris"}


def tool_call(name: str, call_id: str, result: Any = None, *, cancel: bool = False) -> list[tuple[Frame, Any]]:
    """A tool call as the LLM pushes it: started and in-progress both ways, then the outcome."""
    call = FunctionCallFromLLM(function_name=name, tool_call_id=call_id, arguments=ARGS)
    frames: list[tuple[Frame, Any]] = []
    for direction in (DOWNSTREAM, UPSTREAM):
        frames.append((FunctionCallsStartedFrame(function_calls=[call]), direction))
    for direction in (DOWNSTREAM, UPSTREAM):
        frames.append((FunctionCallInProgressFrame(name, call_id, dict(ARGS), cancel_on_interruption=True), direction))
    if cancel:
        frames.append((FunctionCallCancelFrame(function_name=name, tool_call_id=call_id), DOWNSTREAM))
    else:
        frames.append((FunctionCallResultFrame(name, call_id, dict(ARGS), result), DOWNSTREAM))
    return frames


async def run_call(s: Session, *frames: tuple[Frame, Any]) -> list[tuple[str, Any]]:
    await s.queue(Emit(list(frames)))
    await s.sync()
    return [(m["type"], m["data"]) for m in s.events()]


async def test_items8_50_default_level_none_sends_ids_only() -> None:
    async with observed(processors=[Emitter()]) as s:
        events = await run_call(s, *tool_call("get_weather", "t1", {"temp": 20}))
        assert events == [
            ("llm-function-call-started", {}),
            ("llm-function-call-in-progress", {"tool_call_id": "t1"}),  # item 8: exactly this
            ("llm-function-call-stopped", {"tool_call_id": "t1", "cancelled": False}),
        ]


async def test_item51_full_level() -> None:
    params = RTVIObserverParams(function_call_report_level={"get_weather": FunctionCallReportLevel.FULL})
    async with observed(params, processors=[Emitter()]) as s:
        events = await run_call(s, *tool_call("get_weather", "t1", {"temp": 20}))
        assert events == [
            ("llm-function-call-started", {"function_name": "get_weather"}),
            ("llm-function-call-in-progress", {"tool_call_id": "t1", "function_name": "get_weather", "arguments": ARGS}),
            (
                "llm-function-call-stopped",
                {"tool_call_id": "t1", "cancelled": False, "function_name": "get_weather", "result": {"temp": 20}},
            ),
        ]


@pytest.mark.parametrize("result", [None, "", {}, [], 0])
async def test_item51_full_level_omits_falsy_results(result: Any) -> None:
    async with observed(RTVIObserverParams(function_call_report_level={"*": "full"}), processors=[Emitter()]) as s:
        events = await run_call(s, *tool_call("f", "t1", result))
        assert events[-1] == ("llm-function-call-stopped", {"tool_call_id": "t1", "cancelled": False, "function_name": "f"})


async def test_item51_name_level_and_lookup_order() -> None:
    levels = {"*": "name", "secret": "none", "hidden": "disabled"}
    async with observed(RTVIObserverParams(function_call_report_level=levels), processors=[Emitter()]) as s:
        events = await run_call(
            s, *tool_call("lookup", "a", "r"), *tool_call("secret", "b", "r"), *tool_call("hidden", "c", "r")
        )
        assert events == [
            ("llm-function-call-started", {"function_name": "lookup"}),
            ("llm-function-call-in-progress", {"tool_call_id": "a", "function_name": "lookup"}),
            ("llm-function-call-stopped", {"tool_call_id": "a", "cancelled": False, "function_name": "lookup"}),
            ("llm-function-call-started", {}),
            ("llm-function-call-in-progress", {"tool_call_id": "b"}),
            ("llm-function-call-stopped", {"tool_call_id": "b", "cancelled": False}),
        ]


async def test_item52_cancelled_call() -> None:
    async with observed(RTVIObserverParams(function_call_report_level={"*": "name"}), processors=[Emitter()]) as s:
        events = await run_call(s, *tool_call("slow", "t9", cancel=True))
        assert events[-1] == ("llm-function-call-stopped", {"tool_call_id": "t9", "cancelled": True, "function_name": "slow"})


async def test_one_started_message_per_call() -> None:
    calls = [FunctionCallFromLLM("a", "1", {}), FunctionCallFromLLM("b", "2", {})]
    levels = {"*": "name", "b": "disabled"}
    async with observed(RTVIObserverParams(function_call_report_level=levels)) as s:
        await s.queue(
            FunctionCallsStartedFrame(function_calls=calls + [FunctionCallFromLLM("c", "3", {})])
        )
        await s.sync()
        assert [(m["type"], m["data"]) for m in s.events()] == [
            ("llm-function-call-started", {"function_name": "a"}),
            ("llm-function-call-started", {"function_name": "c"}),
        ]


async def test_report_level_changes_at_run_time() -> None:
    async with observed(processors=[Emitter()]) as s:
        await s.queue(RTVIObserverConfigFrame(function_call_report_level={"*": "full"}))
        events = await run_call(s, *tool_call("f", "t1", "ok"))
        assert events[1] == ("llm-function-call-in-progress", {"tool_call_id": "t1", "function_name": "f", "arguments": ARGS})
        assert s.task.rtvi_observer.params.function_call_report_level == {"*": FunctionCallReportLevel.FULL}
        await s.queue(RTVIObserverConfigFrame(function_call_report_level={"*": "disabled"}))
        assert await run_call(s, *tool_call("f", "t2", "ok")) == events  # nothing new


def test_unknown_report_level_is_rejected() -> None:
    from rtvi_core.rtvi.observer import RTVIObserver
    from rtvi_core.rtvi.processor import RTVIProcessor

    with pytest.raises(ValueError):
        RTVIObserver(RTVIProcessor(), params=RTVIObserverParams(function_call_report_level={"*": "arguments"}))
