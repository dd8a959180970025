"""Test doubles and task builders shared by the test modules (the generic kit is
:mod:`rtvi_core.testing`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from typing import Any

import anyio

from rtvi_core.frames import EndFrame, Frame
from rtvi_core.params import PipelineParams
from rtvi_core.pipeline import Pipeline
from rtvi_core.processor import FrameProcessor
from rtvi_core.services.llm import LLMOutput, LLMService
from rtvi_core.services.llm_context import LLMContext
from rtvi_core.task import PipelineTask


def bare_task(processors: Sequence[FrameProcessor], **params: Any) -> PipelineTask:
    """A task running ``processors`` without RTVI, with ``PipelineParams(**params)``."""
    return PipelineTask(Pipeline(processors), params=PipelineParams(**params), enable_rtvi=False)


async def run_to_end(task: PipelineTask, frames: Iterable[Frame], timeout: float = 3.0) -> None:
    """Queue ``frames`` then an EndFrame, and run ``task`` until it ends (fails after ``timeout``)."""
    await task.queue_frames([*frames, EndFrame()])
    with anyio.fail_after(timeout):
        await task.run()


class ScriptedLLM(LLMService):
    """Yields what ``script(context)`` returns; an ``anyio.Event`` item waits for it."""

    def __init__(self, script: Callable[[LLMContext], Sequence[Any]]) -> None:
        super().__init__(model="scripted")
        self.script = script
        self.inferences = 0

    async def generate(self, context: LLMContext) -> AsyncIterator[LLMOutput]:
        self.inferences += 1
        for item in self.script(context):
            if isinstance(item, anyio.Event):
                await item.wait()
            else:
                yield item
