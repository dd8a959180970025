"""Scenario 3: memory and asyncio tasks held by idle sessions.

N (default 100) sessions, each a ``PipelineTask`` (RTVI on, as by default) over
``Pipeline([PassThrough] * 3)`` run by its own ``PipelineRunner`` (one runner
per session, as a bot server does), are started; once every pipeline has seen
its ``StartFrame`` and the sessions sit idle we record, per session:

* RSS delta (``VmRSS`` from /proc/self/status), measured in a first pass
  without tracemalloc (its bookkeeping would inflate RSS);
* Python heap delta (``tracemalloc`` current size), in a second pass;
* asyncio tasks delta (``len(asyncio.all_tasks())``).

All sessions are then cancelled with ``task.cancel()`` and awaited. A warm-up
session is started and cancelled first so one-off lazy imports and caches are
not billed to the sessions.

Only the import block differs between frameworks.
"""

from __future__ import annotations

import asyncio
import time
import tracemalloc

import _common

FRAMEWORK = _common.framework_from_argv()
_common.prepare(FRAMEWORK)

if FRAMEWORK == "pipecat":
    from pipecat.frames.frames import StartFrame
    from pipecat.pipeline.pipeline import Pipeline
    from pipecat.pipeline.runner import PipelineRunner
    from pipecat.pipeline.task import PipelineParams, PipelineTask
    from pipecat.processors.frame_processor import FrameProcessor
else:
    from rtvi_core import (
        FrameProcessor,
        Pipeline,
        PipelineParams,
        PipelineRunner,
        PipelineTask,
        StartFrame,
    )

# ----------------------------------------------------------------------------
# Everything below is framework-agnostic.

TIMEOUT = 300.0


class PassThrough(FrameProcessor):
    async def process_frame(self, frame, direction):
        await super().process_frame(frame, direction)
        await self.push_frame(frame, direction)


class StartWatch(PassThrough):
    """A pass-through that notes when the StartFrame went by."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.start_seen = asyncio.Event()

    async def process_frame(self, frame, direction):
        await super().process_frame(frame, direction)
        if isinstance(frame, StartFrame):
            self.start_seen.set()


class Session:
    def __init__(self):
        self.watch = StartWatch()
        self.pipeline = Pipeline([PassThrough(), PassThrough(), self.watch])
        self.task = PipelineTask(self.pipeline, params=PipelineParams())
        self.rtvi_on = self.task.rtvi is not None
        self.runner = PipelineRunner(handle_sigint=False)
        self.runner_task = asyncio.create_task(self.runner.run(self.task))

    async def wait_started(self):
        await asyncio.wait_for(self.watch.start_seen.wait(), TIMEOUT)

    async def cancel(self):
        await self.task.cancel()
        await asyncio.wait_for(self.runner_task, TIMEOUT)


async def start_sessions(n: int) -> list[Session]:
    sessions = [Session() for _ in range(n)]
    await asyncio.gather(*(s.wait_started() for s in sessions))
    return sessions


async def cancel_sessions(sessions: list[Session]) -> float:
    t0 = time.perf_counter()
    await asyncio.gather(*(s.cancel() for s in sessions))
    return time.perf_counter() - t0


async def quiesce(idle_s: float) -> None:
    await asyncio.sleep(idle_s)
    _common.settle()


async def main(args) -> dict:
    n = args.sessions

    # Warm-up session.
    warm = await start_sessions(1)
    await cancel_sessions(warm)
    del warm
    await quiesce(0.2)

    # Pass 1: RSS and asyncio tasks, no tracemalloc.
    rss0 = _common.rss_kib()
    tasks0 = len(asyncio.all_tasks())
    t0 = time.perf_counter()
    sessions = await start_sessions(n)
    start_s = time.perf_counter() - t0
    rtvi_on = all(s.rtvi_on for s in sessions)
    await quiesce(args.idle)
    rss1 = _common.rss_kib()
    tasks1 = len(asyncio.all_tasks())
    cancel_s = await cancel_sessions(sessions)
    del sessions
    await quiesce(0.2)
    tasks_after_cancel = len(asyncio.all_tasks())

    # Pass 2: Python heap via tracemalloc.
    tracemalloc.start()
    heap0 = tracemalloc.get_traced_memory()[0]
    sessions = await start_sessions(n)
    await quiesce(args.idle)
    heap1 = tracemalloc.get_traced_memory()[0]
    await cancel_sessions(sessions)
    del sessions
    await quiesce(0.2)
    heap_after_cancel = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()

    return {
        "sessions": n,
        "rtvi_enabled": rtvi_on,
        "rss_kib_per_session": (rss1 - rss0) / n,
        "tracemalloc_kib_per_session": (heap1 - heap0) / 1024 / n,
        "asyncio_tasks_per_session": (tasks1 - tasks0) / n,
        "asyncio_tasks_baseline": tasks0,
        "asyncio_tasks_left_after_cancel": tasks_after_cancel - tasks0,
        "tracemalloc_kib_left_after_cancel": (heap_after_cancel - heap0) / 1024,
        "start_all_s": start_s,
        "cancel_all_s": cancel_s,
    }


if __name__ == "__main__":
    parser = _common.make_parser(__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--idle", type=float, default=0.5, help="seconds idle before measuring")
    args = parser.parse_args()
    results = asyncio.run(main(args))
    _common.emit("idle_memory", FRAMEWORK, results, params=vars(args))
