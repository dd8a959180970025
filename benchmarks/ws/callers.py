"""What the call benchmarks' callers (``calls/load.py``, ``phone/load.py``) share: the clock of
their microphones, the packet a caller sends next, and their report from each call's ``turns`` (turn latencies, s), ``gaps``,
``intervals`` and ``failed`` (standard library only)."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from typing import Any


async def on_schedule(step_secs: float, tick: Callable[[int], None], stop: asyncio.Event) -> None:
    """``tick(index)`` every ``step_secs`` on an absolute schedule until ``stop``; more than 1 s
    behind (the load client itself fell behind), the schedule starts again instead of bursting."""
    loop = asyncio.get_running_loop()
    start, index = loop.time(), 0
    while not stop.is_set():
        tick(index)
        index += 1
        delay = start + index * step_secs - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        elif delay < -1.0:
            start, index = loop.time(), 0


def next_packet(caller: Any, silence: Any) -> Any:
    """What ``caller`` sends next: the next packet of its ``speech`` while it has some (its
    ``spoke_at`` stamped after the last one), else ``silence``."""
    if not caller.speech:
        return silence
    packet = caller.speech.pop(0)
    if not caller.speech:
        caller.spoke_at = time.perf_counter()
    return packet


def percentile_ms(values: list[float], q: float) -> float | None:
    """The ``q`` quantile of ``values`` (s) in ms (the nearest rank below; None without values)."""
    data = sorted(values)
    return data[min(len(data) - 1, int(q * len(data)))] * 1000 if data else None


def turn_stats(results: list[dict[str, Any]]) -> dict[str, Any]:
    """``turns``, and their latency's ``turn_ms_p50`` and ``turn_ms_p90``."""
    turns = [t for result in results for t in result["turns"]]
    return {
        "turns": len(turns),
        "turn_ms_p50": statistics.median(turns) * 1000 if turns else None,
        "turn_ms_p90": percentile_ms(turns, 0.9),
    }


def gap_stats(results: list[dict[str, Any]]) -> dict[str, Any]:
    """``gap_rate`` (gaps per interval between the answers' packets) and ``gaps``."""
    intervals = sum(result["intervals"] for result in results)
    gaps = sum(result["gaps"] for result in results)
    return {"gap_rate": gaps / intervals if intervals else None, "gaps": gaps}


def failures(results: list[dict[str, Any]]) -> dict[str, Any]:
    """``failed`` (why, for each call that failed) and ``calls_without_turn``."""
    return {
        "failed": [result["failed"] for result in results if result["failed"]],
        "calls_without_turn": sum(1 for result in results if not result["turns"]),
    }
