"""``running``: a task in the background for the length of a block; ``eventually``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio

from ..frames import Frame
from ..task import PipelineTask


@asynccontextmanager
async def running(task: PipelineTask, *, start_timeout: float = 5.0) -> AsyncIterator[PipelineTask]:
    """Run ``task`` in the background while the block runs; yields the task.

    The block starts once the StartFrame has gone through the pipeline (the task's
    ``on_pipeline_started``), so frames queued in it meet started processors. On
    exit the task is cancelled (nothing happens if it has already ended).
    """
    started = anyio.Event()

    def on_started(_task: PipelineTask, _frame: Frame) -> None:
        started.set()

    task.add_event_handler("on_pipeline_started", on_started)
    async with anyio.create_task_group() as group:
        group.start_soon(task.run)
        try:
            with anyio.fail_after(start_timeout):
                await started.wait()
            yield task
        finally:
            await task.cancel()


async def eventually(condition: Callable[[], Any], timeout: float = 3.0, interval: float = 0.002) -> None:
    """Return once ``condition()`` is true, polling every ``interval`` s.

    Raises :class:`TimeoutError` after ``timeout`` s. To wait on frames, prefer
    :meth:`FrameRecorder.wait_for <rtvi_core.testing.FrameRecorder.wait_for>`.
    """
    try:
        with anyio.fail_after(timeout):
            while not condition():
                await anyio.sleep(interval)
    except TimeoutError:
        name = getattr(condition, "__qualname__", repr(condition))
        raise TimeoutError(f"condition {name} still false after {timeout} s") from None
