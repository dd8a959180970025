"""A finished run is freed by reference counting, without the cyclic garbage collector.

The processors are linked both ways and to the run's runtime (which names the task), the
task's ends name the task, and the RTVI processor's handlers close over it: until the
run is over these are reference cycles. Once it is over the task breaks them, so that
dropping the task frees the run at once (not at the next full collection).
"""

from __future__ import annotations

import gc
import weakref
from typing import Any

import anyio
import pytest

from rtvi_core import EndFrame, Pipeline, PipelineTask, TextFrame
from rtvi_core.builtins.echo_llm import EchoLLMService
from rtvi_core.testing import FrameRecorder

pytestmark = pytest.mark.anyio


async def run_once(end: str) -> list[weakref.ref[Any]]:
    """Run a pipeline with RTVI until it ends (``end``: "end" or "cancel"); weak references to its parts."""
    llm, recorder = EchoLLMService(), FrameRecorder()
    task = PipelineTask(Pipeline([llm, recorder]))

    @task.rtvi.event_handler("on_client_message")
    async def on_message(rtvi: Any, message: Any) -> None:  # closes over the task, as bots' handlers do
        await task.queue_frame(TextFrame(text="seen"))  # noqa: F821 (deleted below, after the run)

    async with anyio.create_task_group() as group:
        group.start_soon(task.run)
        await task.queue_frame(TextFrame(text="hello"))
        if end == "end":
            await task.queue_frame(EndFrame())
        else:
            with anyio.fail_after(10):
                while not recorder.frames:
                    await anyio.sleep(0.01)
            await task.cancel()
    refs = [weakref.ref(obj) for obj in (task, task.rtvi, task.rtvi_observer, llm, recorder)]
    del task, llm, recorder, on_message
    return refs


@pytest.mark.parametrize("end", ["end", "cancel"])
async def test_a_finished_run_is_freed_when_the_task_is_dropped(end):
    gc.collect()
    gc.disable()  # what is freed now is freed by reference counting
    try:
        refs = await run_once(end)
        assert [type(ref()).__name__ for ref in refs if ref() is not None] == []
    finally:
        gc.enable()


async def test_a_processor_can_run_again_in_a_new_task_after_its_run():
    recorder = FrameRecorder()
    for _ in range(2):
        task = PipelineTask(Pipeline([recorder]), enable_rtvi=False)
        async with anyio.create_task_group() as group:
            group.start_soon(task.run)
            await task.queue_frames([TextFrame(text="again"), EndFrame()])
    assert [f.text for f in recorder.frames if isinstance(f, TextFrame)] == ["again", "again"]
