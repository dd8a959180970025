"""Every run ends: a start that fails or never returns is a fatal error naming the plugin,
``bot-ready`` waits for the start, and ``cancel()`` ends ``run()`` whatever hangs.

The pipelines are real (memory transport, RTVI, echo LLM, tone TTS); the hangs are real
awaits (and real cancellation-swallowing loops). ``anyio.fail_after`` only guards against
a test hanging: nothing asserts how long anything took.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import pytest

from rtvi_core import CancelFrame, EndFrame, FrameProcessor, Pipeline, PipelineParams, PipelineTask, TextFrame
from rtvi_core.builtins.echo_llm import EchoLLMService
from rtvi_core.builtins.memory_transport import MemoryTransport
from rtvi_core.builtins.tone_tts import ToneTTSService
from rtvi_core.runtime import left_behind
from rtvi_core.services.transport import TransportParams
from rtvi_core.testing import FrameRecorder, eventually

pytestmark = pytest.mark.anyio


class Stubborn:
    """Code that ignores cancellation until ``release()``; ``exited`` is set when it returns."""

    def __init__(self) -> None:
        self.entered = anyio.Event()
        self.exited = anyio.Event()
        self.released = False
        self.swallowed = 0

    async def hold(self) -> None:
        self.entered.set()
        try:
            while not self.released:
                try:
                    await anyio.sleep(0.05)
                except anyio.get_cancelled_exc_class():
                    self.swallowed += 1  # the bug under test: swallowing the cancellation
        finally:
            self.exited.set()

    async def release(self) -> None:
        self.released = True
        if self.entered.is_set():
            with anyio.fail_after(5):
                await self.exited.wait()


@pytest.fixture
async def stubborn() -> AsyncIterator[Stubborn]:
    """A :class:`Stubborn`, released at the end of the test (else the loop could not close)."""
    code = Stubborn()
    yield code
    await code.release()


@pytest.fixture(autouse=True)
def _warnings(caplog):
    caplog.set_level(logging.WARNING, logger="rtvi_core")


class SlowStartTTS(ToneTTSService):
    """A TTS plugin whose start() waits for ``gate`` (forever unless the test sets it)."""

    PLUGIN_NAME = "slowstart"

    def __init__(self) -> None:
        super().__init__()
        self.gate = anyio.Event()
        self.entered = anyio.Event()

    async def start(self, frame: Any) -> None:
        await super().start(frame)
        self.entered.set()
        await self.gate.wait()


class BrokenStartTTS(ToneTTSService):
    PLUGIN_NAME = "brokenstart"

    async def start(self, frame: Any) -> None:
        raise RuntimeError("voice file missing")


@asynccontextmanager
async def bot(tts: FrameProcessor, **params: Any) -> AsyncIterator[tuple[PipelineTask, Any]]:
    """transport → echo LLM → ``tts`` → output, with RTVI; run() in the background."""
    transport = MemoryTransport(params=TransportParams(audio_out_enabled=True, audio_out_realtime=False))
    task = PipelineTask(
        Pipeline([transport.input(), EchoLLMService(), tts, transport.output()]),
        params=PipelineParams(**params),
    )
    async with anyio.create_task_group() as group:
        group.start_soon(task.run)
        await transport.client.connect()  # the input transport starts before the TTS
        yield task, transport.client
        await task.cancel()


async def client_ready(client: Any) -> None:
    await client.send_message({"label": "rtvi-ai", "type": "client-ready", "id": "r1", "data": {"version": "2.1.0"}})


def fatal_errors(client: Any) -> list[str]:
    return [m["data"]["error"] for m in client.messages_of("error") if m["data"]["fatal"]]


# -- the start -------------------------------------------------------------------------


async def expect_start_failure(tts: FrameProcessor, expected: str, **params: Any) -> PipelineTask:
    """Run a bot whose ``tts`` does not start: the client gets ``expected`` as a fatal
    error and no ``bot-ready``, the connection is closed and the run ends."""
    with anyio.fail_after(10):
        async with bot(tts, **params) as (task, client):
            await client_ready(client)
            await client.wait_closed()
            await eventually(task.has_finished)
    assert fatal_errors(client) == [expected]
    assert client.messages_of("bot-ready") == []
    assert task.fatal_error is not None and task.fatal_error.error == expected
    return task


async def test_a_start_that_never_returns_is_a_fatal_error_naming_the_plugin_and_no_bot_ready():
    tts = SlowStartTTS()
    task = await expect_start_failure(tts, "tts plugin 'slowstart' did not start within 0.2 s", start_timeout_secs=0.2)
    assert task.fatal_error.processor is tts  # type: ignore[union-attr]


async def test_a_start_that_raises_is_a_fatal_error_naming_the_plugin_and_the_cause():
    await expect_start_failure(BrokenStartTTS(), "tts plugin 'brokenstart' failed to start: voice file missing")


async def test_a_processor_that_is_no_plugin_is_named_by_its_name():
    class Hangs(FrameProcessor):
        async def start(self, frame: Any) -> None:
            await anyio.sleep_forever()

        async def process_frame(self, frame, direction):
            await super().process_frame(frame, direction)
            await self.push_frame(frame, direction)

    task = PipelineTask(
        Pipeline([Hangs(name="hangs")]), params=PipelineParams(start_timeout_secs=0.1), enable_rtvi=False
    )
    with anyio.fail_after(10):
        await task.run()
    assert task.fatal_error is not None
    assert task.fatal_error.error == "hangs did not start within 0.1 s"


async def test_a_processor_that_drops_the_start_frame_fails_the_run_at_once():
    class Drops(FrameProcessor):
        async def process_frame(self, frame, direction):
            await super().process_frame(frame, direction)  # ... and never pushes anything on

    task = PipelineTask(Pipeline([Drops(name="drops")]), enable_rtvi=False)  # 10 s start deadline
    with anyio.fail_after(5):
        await task.run()
    assert task.fatal_error is not None and task.fatal_error.error == "drops did not pass the StartFrame on"


async def test_bot_ready_waits_until_every_processor_has_started():
    tts = SlowStartTTS()
    with anyio.fail_after(10):
        async with bot(tts) as (task, client):
            await tts.entered.wait()
            await client_ready(client)
            await eventually(lambda: task.rtvi.client_ready)  # the client-ready has arrived ...
            assert client.messages_of("bot-ready") == []  # ... but the TTS is still starting
            tts.gate.set()
            ready = await client.wait_for_message("bot-ready")
            assert ready["id"] == "r1"
            assert task.fatal_error is None


async def test_a_run_that_ends_normally_or_is_cancelled_has_no_fatal_error():
    ended = PipelineTask(Pipeline([FrameRecorder()]), enable_rtvi=False)
    await ended.queue_frame(EndFrame())
    cancelled = PipelineTask(Pipeline([FrameRecorder()]), enable_rtvi=False)
    with anyio.fail_after(5):
        await ended.run()
        async with anyio.create_task_group() as group:
            group.start_soon(cancelled.run)
            await cancelled.cancel()
    assert ended.fatal_error is None and cancelled.fatal_error is None


# -- every run ends ----------------------------------------------------------------------


class Hooks(FrameProcessor):
    """A processor whose lifecycle methods run ``hooks[name]`` (a coroutine function)."""

    def __init__(self, **hooks: Any) -> None:
        super().__init__(name="hooks")
        self.hooks = hooks
        self.calls: list[str] = []

    async def _call(self, name: str) -> None:
        self.calls.append(name)
        if name in self.hooks:
            await self.hooks[name]()

    async def start(self, frame: Any) -> None:
        await self._call("start")

    async def stop(self, frame: Any) -> None:
        await self._call("stop")

    async def cancel(self, frame: Any) -> None:
        await self._call("cancel")

    async def cleanup(self) -> None:
        await super().cleanup()
        await self._call("cleanup")

    async def process_frame(self, frame, direction):
        await super().process_frame(frame, direction)
        await self.push_frame(frame, direction)


async def run_then_cancel(task: PipelineTask, when: anyio.Event) -> None:
    """Run ``task``, cancel it once ``when`` is set, and check that run() returns."""
    with anyio.fail_after(10):
        async with anyio.create_task_group() as group:
            group.start_soon(task.run)
            await when.wait()
            await task.cancel("test")
    assert task.has_finished()


def quick(*processors: FrameProcessor, start_timeout_secs: float = 60.0) -> PipelineTask:
    params = PipelineParams(cancel_timeout_secs=0.3, start_timeout_secs=start_timeout_secs)
    return PipelineTask(Pipeline(list(processors)), params=params, enable_rtvi=False)


async def test_cancel_while_a_start_is_still_in_progress():
    entered = anyio.Event()

    async def hang() -> None:
        entered.set()
        await anyio.sleep_forever()

    hooks = Hooks(start=hang)
    task = quick(hooks, FrameRecorder())
    await run_then_cancel(task, entered)
    assert hooks.calls == ["start", "cancel", "cleanup"]
    assert task.fatal_error is None


async def test_cancel_when_a_start_ignores_cancellation(caplog, stubborn):
    task = quick(Hooks(start=stubborn.hold))
    await run_then_cancel(task, stubborn.entered)
    assert "did not stop within 0.3 s; left behind" in caplog.text
    assert "test_task_lifecycle.py" in caplog.text and "hold" in caplog.text  # where it is stuck
    swallowed = stubborn.swallowed
    await anyio.sleep(0.3)  # six turns of its loop
    assert stubborn.swallowed - swallowed <= 1  # cancelled and left, not re-cancelled on every loop turn


async def test_a_late_start_that_ignores_cancellation_still_ends_the_run(caplog, stubborn):
    task = quick(Hooks(start=stubborn.hold), start_timeout_secs=0.1)
    with anyio.fail_after(10):
        await task.run()
    assert task.fatal_error is not None and task.fatal_error.error == "hooks did not start within 0.1 s"
    assert "left behind" in caplog.text


async def test_cancel_when_stop_hangs_and_ignores_cancellation(caplog, stubborn):
    hooks = Hooks(stop=stubborn.hold)
    task = quick(hooks)
    await task.queue_frames([TextFrame("hi"), EndFrame()])
    await run_then_cancel(task, stubborn.entered)
    assert "hooks processing EndFrame" in caplog.text


async def test_cancel_when_a_processor_cancel_hangs(caplog, stubborn):
    hooks = Hooks(cancel=stubborn.hold)
    task = quick(hooks)
    started = anyio.Event()
    task.add_event_handler("on_pipeline_started", lambda *_: started.set())
    await run_then_cancel(task, started)
    assert isinstance(task._end_frame, CancelFrame)
    assert "the CancelFrame did not get past hooks within 0.3 s" in caplog.text


async def test_cancel_when_cleanup_hangs(caplog, stubborn):
    finished: list[str] = []
    task = quick(Hooks(cleanup=stubborn.hold))
    task.add_event_handler("on_pipeline_finished", lambda _task, frame: finished.append(type(frame).__name__))
    started = anyio.Event()
    task.add_event_handler("on_pipeline_started", lambda *_: started.set())
    await run_then_cancel(task, started)
    assert "cleanup() of hooks did not return within 0.3 s" in caplog.text
    assert finished == ["CancelFrame"]  # the steps after the stuck one still ran


async def test_cancel_when_an_event_handler_ignores_cancellation(caplog, stubborn):
    task = quick(FrameRecorder())

    @task.event_handler("on_pipeline_started")
    async def never_stops(task, frame):
        await stubborn.hold()

    await run_then_cancel(task, stubborn.entered)
    assert "task(s) did not stop within 0.3 s" in caplog.text
    assert "hold" in caplog.text
    assert any("test_task_lifecycle.py" in where and "hold" in where for where in left_behind())
    await stubborn.release()
    assert left_behind() == []  # it ended once it let itself be stopped


async def test_run_cancelled_from_outside_still_cancels_the_pipeline():
    hooks = Hooks()
    task = quick(hooks)
    started = anyio.Event()
    task.add_event_handler("on_pipeline_started", lambda *_: started.set())
    with anyio.fail_after(10):
        async with anyio.create_task_group() as group:
            group.start_soon(task.run)
            await started.wait()
            group.cancel_scope.cancel()
    assert hooks.calls == ["start", "cancel", "cleanup"]
    assert isinstance(task._end_frame, CancelFrame)
