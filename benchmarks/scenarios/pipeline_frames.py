"""Scenario 1: frames through a Pipeline of K pass-through processors.

A ``PipelineTask`` (RTVI on, as by default) runs ``Pipeline([PassThrough] * K +
[Sink])``. For each K we measure:

* throughput: 5,000 ``OutputAudioRawFrame`` (640 bytes of PCM16) interleaved
  with 5,000 ``TextFrame`` are queued with ``task.queue_frames``; wall time from
  the first push until the sink has seen all of them, and the process CPU time
  over the same span, give frames/s, µs/frame and CPU µs/frame;
* latency: push one frame, wait until the sink saw it, repeat (~1,000 times);
  p50/p99 of push -> sink time.

Only the import block differs between frameworks.
"""

from __future__ import annotations

import asyncio
import time

import _common

FRAMEWORK = _common.framework_from_argv()
_common.prepare(FRAMEWORK)

if FRAMEWORK == "pipecat":
    from pipecat.frames.frames import EndFrame, OutputAudioRawFrame, StartFrame, TextFrame
    from pipecat.pipeline.pipeline import Pipeline
    from pipecat.pipeline.runner import PipelineRunner
    from pipecat.pipeline.task import PipelineParams, PipelineTask
    from pipecat.processors.frame_processor import FrameProcessor
else:
    from rtvi_core import (
        EndFrame,
        FrameProcessor,
        OutputAudioRawFrame,
        Pipeline,
        PipelineParams,
        PipelineRunner,
        PipelineTask,
        StartFrame,
        TextFrame,
    )

# ----------------------------------------------------------------------------
# Everything below is framework-agnostic.

TIMEOUT = 300.0
COUNTED = (OutputAudioRawFrame, TextFrame)


class PassThrough(FrameProcessor):
    async def process_frame(self, frame, direction):
        await super().process_frame(frame, direction)
        await self.push_frame(frame, direction)


class Sink(FrameProcessor):
    """Counts audio/text frames (and swallows them); forwards everything else."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.start_seen = asyncio.Event()
        self.reached = asyncio.Event()
        self.count = 0
        self.target = 0
        self.last_seen = 0.0

    def expect(self, n: int) -> None:
        self.target = self.count + n
        self.reached.clear()

    async def process_frame(self, frame, direction):
        await super().process_frame(frame, direction)
        if isinstance(frame, COUNTED):
            self.last_seen = time.perf_counter()
            self.count += 1
            if self.count >= self.target:
                self.reached.set()
            return
        await self.push_frame(frame, direction)
        if isinstance(frame, StartFrame):
            self.start_seen.set()


def make_frames(n_audio: int, n_text: int) -> list:
    frames = []
    for i in range(max(n_audio, n_text)):
        if i < n_audio:
            frames.append(OutputAudioRawFrame(audio=bytes(640), sample_rate=16000, num_channels=1))
        if i < n_text:
            frames.append(TextFrame(text=f"token {i} "))
    return frames


async def run_one(k: int, n_frames: int, n_latency: int, n_warmup: int) -> dict:
    sink = Sink()
    pipeline = Pipeline([PassThrough() for _ in range(k)] + [sink])
    task = PipelineTask(pipeline, params=PipelineParams())
    rtvi_on = task.rtvi is not None  # raises in Pipecat when RTVI is off

    warmup = make_frames(n_warmup // 2, n_warmup - n_warmup // 2)
    bulk = make_frames(n_frames // 2, n_frames - n_frames // 2)
    isolated = make_frames(n_latency // 2, n_latency - n_latency // 2)

    runner = PipelineRunner(handle_sigint=False)
    runner_task = asyncio.create_task(runner.run(task))
    await asyncio.wait_for(sink.start_seen.wait(), TIMEOUT)

    # Warm-up (not measured).
    sink.expect(len(warmup))
    await task.queue_frames(warmup)
    await asyncio.wait_for(sink.reached.wait(), TIMEOUT)

    # (a) throughput
    _common.settle()
    sink.expect(len(bulk))
    timer = _common.Timer().start()
    await task.queue_frames(bulk)
    await asyncio.wait_for(sink.reached.wait(), TIMEOUT)
    timer.stop(wall_end=sink.last_seen)
    n = len(bulk)

    # (b) latency of isolated frames
    _common.settle()
    latencies_us = []
    for frame in isolated:
        sink.expect(1)
        t0 = time.perf_counter()
        await task.queue_frame(frame)
        await asyncio.wait_for(sink.reached.wait(), TIMEOUT)
        latencies_us.append((sink.last_seen - t0) * 1e6)

    await task.queue_frame(EndFrame())
    await asyncio.wait_for(runner_task, TIMEOUT)

    lat = _common.summarize(latencies_us)
    return {
        "k": k,
        "rtvi_enabled": bool(rtvi_on),
        "frames": n,
        "wall_s": timer.wall,
        "cpu_s": timer.cpu,
        "frames_per_s": n / timer.wall,
        "us_per_frame": timer.wall / n * 1e6,
        "cpu_us_per_frame": timer.cpu / n * 1e6,
        "latency_us": lat,
        "latency_p50_us": lat.get("p50"),
        "latency_p99_us": lat.get("p99"),
        "sink_count": sink.count,
    }


async def main(args) -> dict:
    results = {}
    for k in args.k:
        results[f"k{k}"] = await run_one(k, args.frames, args.latency_frames, args.warmup)
    return results


if __name__ == "__main__":
    parser = _common.make_parser(__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--frames", type=int, default=10_000, help="audio + text frames")
    parser.add_argument("--latency-frames", type=int, default=1_000)
    parser.add_argument("--warmup", type=int, default=200)
    args = parser.parse_args()
    results = asyncio.run(main(args))
    _common.emit("pipeline_frames", FRAMEWORK, results, params=vars(args))
