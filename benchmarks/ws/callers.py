"""What the call benchmarks' callers (``calls/load.py``, ``phone/load.py``) share: the step's
measuring :class:`Window`, the clock of their microphones, the packet a caller sends next, and
their report from each call's ``turns`` (turn latencies, s), ``gaps``, ``intervals`` and
``failed`` (standard library only)."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from typing import Any

#: Callers join this far apart, so that their turns do not line up...
STAGGER_SECS = 0.137
#: ...or closer, so that all of a step's callers have joined within this.
MAX_RAMP_SECS = 8.0
#: A caller asks no new question this close to the window's end (its answer would not fit).
LAST_QUESTION_SECS = 6.0


class Window:
    """One step's measuring window: it opens when the last of ``calls`` callers has joined
    (connected, or failed to), then lasts ``secs``. Only turns asked inside it count, so a
    step measures N concurrent calls, not the ramp up to them; ``on_open()`` runs as it opens
    (the ladder reads the server's CPU there)."""

    def __init__(self, calls: int, secs: float, on_open: Callable[[], None] | None = None) -> None:
        self.calls = calls
        self.secs = secs
        self.opened_at: float | None = None
        self._waiting = calls
        self._on_open = on_open

    def delay(self, index: int) -> float:
        """When caller ``index`` joins, from the step's start (s)."""
        return index * min(STAGGER_SECS, MAX_RAMP_SECS / self.calls)

    def joined(self) -> None:
        """One caller has joined (or failed to); the last one opens the window."""
        self._waiting -= 1
        if self._waiting == 0:
            self.opened_at = time.perf_counter()
            if self._on_open is not None:
                self._on_open()

    def going(self) -> bool:
        """A caller may ask another question: the window has not opened yet, or has time left."""
        return self.opened_at is None or time.perf_counter() + LAST_QUESTION_SECS < self.opened_at + self.secs

    def counts(self, asked_at: float) -> bool:
        """A turn asked at ``asked_at`` (perf_counter) is measured."""
        return self.opened_at is not None and asked_at >= self.opened_at


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
