"""The core runtime: frame ordering, system frames, interruptions, errors, task wiring."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from rtvi_core import (
    EndFrame,
    ErrorFrame,
    FrameDirection,
    FrameProcessor,
    FunctionCallResultFrame,
    InterruptionFrame,
    MetricsFrame,
    Pipeline,
    PipelineParams,
    PipelineTask,
    RTVIObserver,
    RTVIObserverParams,
    RTVIProcessor,
    StartFrame,
    TextFrame,
    UserStartedSpeakingFrame,
)
from rtvi_core.testing import FrameRecorder, eventually, running

pytestmark = pytest.mark.anyio


class Gate(FrameProcessor):
    """Holds each TextFrame until ``release`` is set (a slow processor)."""

    def __init__(self) -> None:
        super().__init__()
        self.release = anyio.Event()
        self.busy_with: str | None = None
        self.cancelled: list[str] = []

    async def process_frame(self, frame, direction):
        await super().process_frame(frame, direction)
        if isinstance(frame, TextFrame):
            self.busy_with = frame.text
            try:
                await self.release.wait()
            except anyio.get_cancelled_exc_class():
                self.cancelled.append(frame.text)
                raise
        await self.push_frame(frame, direction)


class Failing(FrameProcessor):
    async def process_frame(self, frame, direction):
        await super().process_frame(frame, direction)
        if isinstance(frame, TextFrame) and frame.text == "boom":
            raise RuntimeError("kaboom")
        await self.push_frame(frame, direction)


async def test_frames_keep_order_through_nested_pipelines():
    sink = FrameRecorder()
    inner = Pipeline([FrameRecorder(), FrameRecorder()])
    task = PipelineTask(Pipeline([FrameRecorder(), inner, sink]), enable_rtvi=False)

    async with running(task):
        await task.queue_frames([TextFrame(str(i)) for i in range(200)])
        await sink.wait_for(lambda: len(sink.texts()) == 200)
        assert sink.texts() == [str(i) for i in range(200)]
        assert isinstance(sink.frames[0], StartFrame)


async def test_end_frame_finishes_after_queued_frames():
    sink = FrameRecorder()
    task = PipelineTask(Pipeline([FrameRecorder(), sink]), enable_rtvi=False)
    await task.queue_frames([TextFrame("a"), TextFrame("b"), EndFrame()])
    with anyio.fail_after(3):
        await task.run()
    assert sink.texts() == ["a", "b"]
    assert isinstance(sink.frames[-1], EndFrame)
    assert task.has_finished()


async def test_slow_processor_delays_neither_system_frames_nor_upstream_input():
    before, gate, after = FrameRecorder(), Gate(), FrameRecorder()
    task = PipelineTask(Pipeline([before, gate, after]), enable_rtvi=False)

    async with running(task):
        await task.queue_frames([TextFrame("1"), TextFrame("2"), TextFrame("3")])
        await before.wait_for(lambda: before.texts() == ["1", "2", "3"])  # input not delayed
        await task.queue_frame(UserStartedSpeakingFrame())
        # the system frame overtook the queued data frames
        await after.wait_for(lambda: after.of(UserStartedSpeakingFrame))
        assert after.texts() == []
        gate.release.set()
        await after.wait_for(lambda: after.texts() == ["1", "2", "3"])


async def test_interruption_drops_queued_frames_and_cancels_in_flight_work():
    gate, after = Gate(), FrameRecorder()
    task = PipelineTask(Pipeline([gate, after]), enable_rtvi=False)

    async with running(task):
        await task.queue_frames([TextFrame("a"), TextFrame("b")])
        result = FunctionCallResultFrame("f", "call-1", {}, "kept")
        await task.queue_frame(result)
        await eventually(lambda: gate.busy_with == "a")
        await task.queue_frame(InterruptionFrame())
        # in-flight "a" was cancelled; queued "b" dropped; the uninterruptible result survives
        await after.wait_for(lambda: result in after.frames)
        assert gate.cancelled == ["a"]
        gate.release.set()
        await task.queue_frame(TextFrame("c"))
        await after.wait_for(lambda: after.texts() == ["c"])
        assert any(isinstance(f, InterruptionFrame) for f in after.frames)


async def test_uninterruptible_frame_in_flight_is_not_cancelled():
    class SlowResult(FrameProcessor):
        def __init__(self) -> None:
            super().__init__()
            self.release = anyio.Event()
            self.entered = anyio.Event()

        async def process_frame(self, frame, direction):
            await super().process_frame(frame, direction)
            if isinstance(frame, FunctionCallResultFrame):
                self.entered.set()
                await self.release.wait()
            await self.push_frame(frame, direction)

    slow, after = SlowResult(), FrameRecorder()
    task = PipelineTask(Pipeline([slow, after]), enable_rtvi=False)

    async with running(task):
        result = FunctionCallResultFrame("f", "call-1", {}, 1)
        await task.queue_frame(result)
        with anyio.fail_after(3):
            await slow.entered.wait()
        await task.queue_frame(InterruptionFrame())
        slow.release.set()
        await after.wait_for(lambda: result in after.frames)


async def test_processor_exception_becomes_error_and_pipeline_continues():
    errors: list[ErrorFrame] = []
    sink = FrameRecorder()
    task = PipelineTask(Pipeline([Failing(), sink]), enable_rtvi=False)

    @task.event_handler("on_pipeline_error")
    async def on_error(task, frame):
        errors.append(frame)

    async with running(task):
        await task.queue_frames([TextFrame("boom"), TextFrame("fine")])
        await sink.wait_for(lambda: sink.texts() == ["fine"])
        await eventually(lambda: errors)
        assert "kaboom" in errors[0].error and errors[0].fatal is False


async def test_fatal_error_cancels_the_task():
    class Fatal(FrameProcessor):
        async def process_frame(self, frame, direction):
            await super().process_frame(frame, direction)
            if isinstance(frame, TextFrame):
                await self.push_error("disk on fire", fatal=True)
            await self.push_frame(frame, direction)

    task = PipelineTask(Pipeline([Fatal()]), enable_rtvi=False)
    await task.queue_frame(TextFrame("x"))
    with anyio.fail_after(3):
        await task.run()
    assert task.has_finished()


async def test_rtvi_wiring_options():
    default = PipelineTask(Pipeline([FrameRecorder()]))
    assert isinstance(default.rtvi, RTVIProcessor)
    assert default.processors[0] is default.rtvi
    assert any(isinstance(o, RTVIObserver) for o in default.observers)

    mine = RTVIProcessor()
    params = RTVIObserverParams(bot_llm_enabled=False)
    custom = PipelineTask(Pipeline([FrameRecorder()]), rtvi_processor=mine, rtvi_observer_params=params)
    assert custom.rtvi is mine
    assert custom.rtvi_observer is not None and custom.rtvi_observer.params.bot_llm_enabled is False

    inline = RTVIProcessor()
    in_pipeline = PipelineTask(Pipeline([inline, FrameRecorder()]))
    assert in_pipeline.rtvi is inline and in_pipeline.processors.count(inline) == 1

    bare = PipelineTask(Pipeline([FrameRecorder()]), enable_rtvi=False)
    assert not any(isinstance(p, RTVIProcessor) for p in bare.processors)
    assert bare.observers == []
    with pytest.raises(AttributeError):
        _ = bare.rtvi


async def test_initial_metrics_list_metrics_capable_processors():
    class Service(FrameProcessor):
        def can_generate_metrics(self) -> bool:
            return True

        async def process_frame(self, frame, direction):
            await super().process_frame(frame, direction)
            await self.push_frame(frame, direction)

    sink = FrameRecorder()
    service = Service(name="svc")
    task = PipelineTask(Pipeline([service, sink]), params=PipelineParams(enable_metrics=True), enable_rtvi=False)

    async with running(task):
        await sink.wait_for(lambda: sink.of(MetricsFrame))
        metrics = next(f for f in sink.frames if isinstance(f, MetricsFrame))
        assert sorted((type(d).__name__, d.processor, d.value) for d in metrics.data) == [
            ("ProcessingMetricsData", "svc", 0.0),
            ("TTFBMetricsData", "svc", 0.0),
        ]


async def test_upstream_frames_reach_the_task():
    reached: list[Any] = []
    first, last = FrameRecorder(), FrameRecorder()
    task = PipelineTask(Pipeline([first, last]), enable_rtvi=False)
    task.set_reached_upstream_filter([TextFrame])

    @task.event_handler("on_frame_reached_upstream")
    async def on_reached(task, frame):
        reached.append(frame.text)

    async with running(task):
        await task.processors[-1].push_frame(TextFrame("up"), FrameDirection.UPSTREAM)
        await first.wait_for(lambda: first.texts(direction=FrameDirection.UPSTREAM) == ["up"])
        await eventually(lambda: reached == ["up"])


def test_unknown_event_and_bad_pipeline_items_are_clear_errors():
    task = PipelineTask(Pipeline([FrameRecorder()]), enable_rtvi=False)
    with pytest.raises(ValueError, match="on_client_ready"):
        task.add_event_handler("on_client_ready", lambda *a: None)
    with pytest.raises(TypeError, match="FrameProcessor"):
        Pipeline([FrameRecorder(), "not a processor"])  # type: ignore[list-item]
    same = FrameRecorder()
    with pytest.raises(ValueError, match="more than once"):
        Pipeline([same, same])


async def test_fired_handlers_still_running_are_cancelled_and_awaited_when_the_run_ends():
    recorder = FrameRecorder()
    task = PipelineTask(Pipeline([recorder]), enable_rtvi=False)
    started, finished = anyio.Event(), []

    @task.event_handler("on_pipeline_started")
    async def never_done(task, frame):
        started.set()
        try:
            await anyio.sleep_forever()
        finally:
            finished.append("cleaned up")

    async with anyio.create_task_group() as group:
        group.start_soon(task.run)
        await started.wait()
        runtime = recorder.runtime
        await task.cancel()
    assert finished == ["cleaned up"]  # task.run() returned after the handler ended
    with pytest.raises(RuntimeError, match="has finished"):
        runtime.spawn(anyio.sleep, 0)
    with pytest.raises(RuntimeError, match="not part of a running task"):
        _ = recorder.runtime  # the processor let go of the run


async def test_a_spawned_task_that_fails_is_logged_and_the_run_goes_on(caplog):
    recorder = FrameRecorder()
    task = PipelineTask(Pipeline([recorder]), enable_rtvi=False)

    async def fails() -> None:
        raise RuntimeError("spawned boom")

    async with running(task):
        recorder.runtime.spawn(fails)
        await eventually(lambda: "spawned boom" in caplog.text)
        await task.queue_frame(TextFrame("still running"))
        await recorder.wait_for(lambda: recorder.texts() == ["still running"])
