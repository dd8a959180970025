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
from rtvi_core.rtvi.observer import RTVIObserver
from rtvi_core.rtvi.observer_params import FunctionCallReportLevel, RTVIObserverParams
from rtvi_core.rtvi.processor import RTVIProcessor

pytestmark = pytest.mark.anyio

ARGS = {"city": "Paris"}
STARTED = "llm-function-call-started"
IN_PROGRESS = "llm-function-call-in-progress"
STOPPED = "llm-function-call-stopped"


def levels(**by_name: str) -> RTVIObserverParams:
    """Params with these report levels (``star`` stands for ``"*"``)."""
    return RTVIObserverParams(function_call_report_level={("*" if k == "star" else k): v for k, v in by_name.items()})


def tool_call(name: str, call_id: str, result: Any = None, *, cancel: bool = False) -> list[Any]:
    """A tool call as the LLM pushes it: started and in-progress both ways, then the outcome."""
    call = FunctionCallFromLLM(function_name=name, tool_call_id=call_id, arguments=ARGS)
    frames: list[tuple[Frame, Any]] = []
    for direction in (DOWNSTREAM, UPSTREAM):
        frames.append((FunctionCallsStartedFrame(function_calls=[call]), direction))
    for direction in (DOWNSTREAM, UPSTREAM):
        in_progress = FunctionCallInProgressFrame(name, call_id, dict(ARGS), cancel_on_interruption=True)
        frames.append((in_progress, direction))
    if cancel:
        frames.append((FunctionCallCancelFrame(function_name=name, tool_call_id=call_id), DOWNSTREAM))
    else:
        frames.append((FunctionCallResultFrame(name, call_id, dict(ARGS), result), DOWNSTREAM))
    return frames


async def run_call(s: Session, *frames: tuple[Frame, Any]) -> list[tuple[str, Any]]:
    """Push the frames from a processor inside the pipeline; all events received so far."""
    await s.queue(Emit(list(frames)))
    await s.sync()
    return [(m["type"], m["data"]) for m in s.events()]


async def test_items8_50_default_level_none_sends_ids_only() -> None:
    async with observed(processors=[Emitter()]) as s:
        assert await run_call(s, *tool_call("get_weather", "t1", {"temp": 20})) == [
            (STARTED, {}),
            (IN_PROGRESS, {"tool_call_id": "t1"}),  # item 8: exactly this
            (STOPPED, {"tool_call_id": "t1", "cancelled": False}),
        ]


async def test_item51_full_level() -> None:
    params = RTVIObserverParams(function_call_report_level={"get_weather": FunctionCallReportLevel.FULL})
    async with observed(params, processors=[Emitter()]) as s:
        name = {"function_name": "get_weather"}
        assert await run_call(s, *tool_call("get_weather", "t1", {"temp": 20})) == [
            (STARTED, name),
            (IN_PROGRESS, {"tool_call_id": "t1", **name, "arguments": ARGS}),
            (STOPPED, {"tool_call_id": "t1", "cancelled": False, **name, "result": {"temp": 20}}),
        ]


@pytest.mark.parametrize("result", [None, "", {}, [], 0])
async def test_item51_full_level_omits_falsy_results(result: Any) -> None:
    async with observed(levels(star="full"), processors=[Emitter()]) as s:
        events = await run_call(s, *tool_call("f", "t1", result))
        assert events[-1] == (STOPPED, {"tool_call_id": "t1", "cancelled": False, "function_name": "f"})


async def test_item51_name_level_and_lookup_order() -> None:
    params = levels(star="name", secret="none", hidden="disabled")
    async with observed(params, processors=[Emitter()]) as s:
        calls = [
            *tool_call("lookup", "a", "r"),
            *tool_call("secret", "b", "r"),
            *tool_call("hidden", "c", "r"),
        ]
        name = {"function_name": "lookup"}
        assert await run_call(s, *calls) == [
            (STARTED, name),
            (IN_PROGRESS, {"tool_call_id": "a", **name}),
            (STOPPED, {"tool_call_id": "a", "cancelled": False, **name}),
            (STARTED, {}),
            (IN_PROGRESS, {"tool_call_id": "b"}),
            (STOPPED, {"tool_call_id": "b", "cancelled": False}),
        ]


async def test_arguments_level_adds_arguments_but_no_result() -> None:
    """Pipecat 1.14's ``arguments`` level: name and arguments, never the result."""
    async with observed(levels(star="arguments"), processors=[Emitter()]) as s:
        name = {"function_name": "get_weather"}
        assert await run_call(s, *tool_call("get_weather", "t1", {"temp": 20})) == [
            (STARTED, name),
            (IN_PROGRESS, {"tool_call_id": "t1", **name, "arguments": ARGS}),
            (STOPPED, {"tool_call_id": "t1", "cancelled": False, **name}),
        ]


async def test_item52_cancelled_call() -> None:
    async with observed(levels(star="name"), processors=[Emitter()]) as s:
        events = await run_call(s, *tool_call("slow", "t9", cancel=True))
        assert events[-1] == (STOPPED, {"tool_call_id": "t9", "cancelled": True, "function_name": "slow"})


async def test_one_started_message_per_call() -> None:
    calls = [FunctionCallFromLLM(name, str(i), {}) for i, name in enumerate("abc")]
    async with observed(levels(star="name", b="disabled")) as s:
        await s.queue(FunctionCallsStartedFrame(function_calls=calls))
        await s.sync()
        assert [(m["type"], m["data"]) for m in s.events()] == [
            (STARTED, {"function_name": "a"}),
            (STARTED, {"function_name": "c"}),
        ]


async def test_report_level_changes_at_run_time() -> None:
    async with observed(processors=[Emitter()]) as s:
        await s.queue(RTVIObserverConfigFrame(function_call_report_level={"*": "full"}))
        events = await run_call(s, *tool_call("f", "t1", "ok"))
        assert events[1] == (IN_PROGRESS, {"tool_call_id": "t1", "function_name": "f", "arguments": ARGS})
        observer = s.task.rtvi_observer
        assert observer.params.function_call_report_level == {"*": FunctionCallReportLevel.FULL}
        await s.queue(RTVIObserverConfigFrame(function_call_report_level={"*": "disabled"}))
        assert await run_call(s, *tool_call("f", "t2", "ok")) == events  # nothing new


def test_unknown_report_level_is_rejected() -> None:
    with pytest.raises(ValueError):
        RTVIObserver(RTVIProcessor(), params=levels(star="everything"))
