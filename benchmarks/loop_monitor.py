"""What ``rtvi_core.loop_monitor.LoopMonitor`` costs (rtvi_core only: Pipecat has none).

    .venv/bin/python benchmarks/loop_monitor.py [--reps 5] [--seconds 2]

* **CPU per tick**: the monitor runs on an otherwise idle event loop with a 1 ms tick
  (so that many ticks fit in a short run); process CPU time (the loop thread and the
  watchdog thread) over the run divided by the ticks, minus the same loop idle without
  the monitor. At the default 50 ms tick that is the fraction of a core printed as
  ``share_of_a_core_at_default``.
* **Busy loop slowdown**: the wall time of a fixed amount of event-loop work (tasks
  hopping with ``sleep(0)``) with the monitor at its default settings, over the time
  without it (1.0 = no cost).

Each figure is the median over ``--reps`` runs, printed as one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time

from rtvi_core.loop_monitor import LoopMonitor

DEFAULT_INTERVAL = LoopMonitor().interval_secs


async def idle_cpu(seconds: float, monitor: LoopMonitor | None) -> tuple[float, int]:
    """Process CPU seconds over ``seconds`` of idling, and the monitor's ticks."""
    start = time.process_time()
    if monitor is None:
        await asyncio.sleep(seconds)
        return time.process_time() - start, 0
    async with monitor:
        await asyncio.sleep(seconds)
    return time.process_time() - start, len(monitor._lags)


async def busy(hops: int, monitor: LoopMonitor | None) -> float:
    """Wall seconds for 8 tasks to hop ``hops`` times each through the loop."""

    async def hopper() -> None:
        for _ in range(hops):
            await asyncio.sleep(0)

    async def work() -> float:
        start = time.perf_counter()
        await asyncio.gather(*(hopper() for _ in range(8)))
        return time.perf_counter() - start

    if monitor is None:
        return await work()
    async with monitor:
        return await work()


async def main(reps: int, seconds: float) -> dict[str, float]:
    per_tick, slowdown = [], []
    for _ in range(reps):
        base, _ = await idle_cpu(seconds, None)
        cpu, ticks = await idle_cpu(seconds, LoopMonitor(interval_secs=0.001, window_secs=3600))
        per_tick.append((cpu - base) / max(1, ticks) * 1e6)
        without = await busy(50_000, None)
        with_monitor = await busy(50_000, LoopMonitor())
        slowdown.append(with_monitor / without)
    cpu_us = statistics.median(per_tick)
    return {
        "cpu_us_per_tick": round(cpu_us, 2),
        "share_of_a_core_at_default": round(cpu_us / 1e6 / DEFAULT_INTERVAL, 6),
        "busy_loop_slowdown": round(statistics.median(slowdown), 4),
        "reps": reps,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.reps, args.seconds))))
