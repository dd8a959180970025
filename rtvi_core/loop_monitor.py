"""``LoopMonitor``: how late the event loop runs, and which code blocked it.

A tick task sleeps ``interval_secs`` and measures how late it wakes up: the loop's lag.
:meth:`LoopMonitor.snapshot` gives the current, median, 99th-percentile and largest lag
over the last ``window_secs``, and how many ticks came later than ``stall_secs`` (stalls),
for a server's ``/health``.

Naming the code that blocks the loop needs a view from outside the loop: a watchdog
thread wakes when a tick is due more than ``stall_secs`` ago and has not run, reads the
loop thread's stack (``sys._current_frames()``) and logs one WARNING per stall naming
the innermost project frames (``file:line function``) and the running task::

    event loop blocked for over 100 ms, in task 'bot::worker': bots/slow.py:12 lookup <- ...

Use it as ``async with LoopMonitor() as monitor:`` or run :meth:`LoopMonitor.run` in a
task group; the thread stops (and is joined) when it ends.
"""

from __future__ import annotations

import logging
import math
import sys
import threading
import time
from collections import deque
from typing import Any

import msgspec

from ._deps import anyio
from .code_location import innermost_frames

logger = logging.getLogger("rtvi_core.loop_monitor")


class LoopLag(msgspec.Struct, frozen=True):
    """The event loop's lag over the recent window, in milliseconds (JSON-ready with msgspec).

    ``current_ms`` is the last tick's lag (or how late the next tick is, if later);
    ``stalls`` counts ticks later than the stall threshold since the monitor started;
    ``last_stall`` is where the loop was blocked the last time (``file:line function``).
    """

    current_ms: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    stalls: int
    window_secs: float
    last_stall: str | None = None


class LoopMonitor:
    """Measures the event loop's lag and names the code that blocks it (see the module doc).

    ``interval_secs``: time between ticks; ``stall_secs``: a tick later than this is a
    stall (and the code running then is logged); ``window_secs``: the lags the snapshot
    covers.
    """

    def __init__(self, *, interval_secs: float = 0.05, stall_secs: float = 0.1, window_secs: float = 60.0) -> None:
        for name, value in (("interval_secs", interval_secs), ("stall_secs", stall_secs), ("window_secs", window_secs)):
            if not value > 0:
                raise ValueError(f"LoopMonitor: {name} must be > 0, got {value!r}")
        self.interval_secs = interval_secs
        self.stall_secs = stall_secs
        self.window_secs = window_secs
        self._lags: deque[float] = deque(maxlen=max(1, math.ceil(window_secs / interval_secs)))
        self._stalls = 0
        self._last_stall: str | None = None
        self._due = math.inf  # when the next tick is due (time.monotonic()); read by the watchdog
        self._seen: tuple[float, str | None] = (math.nan, None)  # (due, where) of the stall the watchdog saw
        self._running = False
        self._stop = threading.Event()
        self._group: anyio.abc.TaskGroup | None = None

    # -- reading ----------------------------------------------------------------------------

    def snapshot(self) -> LoopLag:
        """The lag figures now (any thread may call it)."""
        recent = self._lags.copy()  # atomic: the loop thread may be appending
        lags = sorted(recent)
        last = recent[-1] if recent else 0.0
        late = time.monotonic() - self._due

        def ms(value: float) -> float:
            return round(value * 1000, 3)

        def percentile(fraction: float) -> float:
            return lags[min(len(lags) - 1, int(fraction * len(lags)))] if lags else 0.0

        return LoopLag(
            current_ms=ms(max(last, late, 0.0)),
            p50_ms=ms(percentile(0.5)),
            p99_ms=ms(percentile(0.99)),
            max_ms=ms(lags[-1] if lags else 0.0),
            stalls=self._stalls,
            window_secs=self.window_secs,
            last_stall=self._last_stall,
        )

    # -- running ----------------------------------------------------------------------------

    async def run(self) -> None:
        """Tick until cancelled, with the watchdog thread running meanwhile."""
        if self._running:
            raise RuntimeError("this LoopMonitor is already running")
        self._running = True
        self._stop.clear()
        loop_thread = threading.get_ident()
        loop = _asyncio_loop()
        watchdog = threading.Thread(
            target=self._watch, args=(loop_thread, loop), name="rtvi-loop-watchdog", daemon=True
        )
        watchdog.start()
        try:
            await self._tick()
        finally:
            self._stop.set()
            watchdog.join()
            self._due = math.inf
            self._running = False

    async def __aenter__(self) -> LoopMonitor:
        group = anyio.create_task_group()
        await group.__aenter__()
        self._group = group
        group.start_soon(self.run, name="rtvi-loop-monitor")
        return self

    async def __aexit__(self, *exc_info: Any) -> bool | None:
        group, self._group = self._group, None
        group.cancel_scope.cancel()  # type: ignore[union-attr]
        return await group.__aexit__(*exc_info)  # type: ignore[union-attr]

    async def _tick(self) -> None:
        interval, stall = self.interval_secs, self.stall_secs
        lags, clock = self._lags, time.monotonic
        while True:
            due = self._due = clock() + interval
            await anyio.sleep(interval)
            lag = max(0.0, clock() - due)
            lags.append(lag)
            if lag >= stall:
                self._stalls += 1
                seen_due, where = self._seen
                self._last_stall = where if seen_due == due else "(not seen by the watchdog)"

    def _watch(self, loop_thread: int, loop: Any) -> None:
        """The watchdog thread: log what the loop runs when a tick is over ``stall_secs`` late."""
        stall, clock, stop = self.stall_secs, time.monotonic, self._stop
        longest = self.interval_secs + stall  # re-read the due time at least this often
        reported = math.nan
        while not stop.is_set():
            due = self._due
            wait = due + stall - clock()
            if wait > 0 or due == reported:
                stop.wait(min(wait, longest) if wait > 0 else stall)
                continue
            reported = due
            frames = innermost_frames(sys._current_frames().get(loop_thread))
            self._seen = (due, frames[0] if frames else None)
            task = _current_task_name(loop)
            logger.warning(
                "event loop blocked for over %.0f ms%s, in: %s",
                stall * 1000,
                f" (task {task!r})" if task else "",
                " <- ".join(frames) or "(no Python frame)",
            )


def _asyncio_loop() -> Any:
    asyncio = sys.modules.get("asyncio")
    try:
        return asyncio.get_running_loop() if asyncio is not None else None
    except RuntimeError:
        return None


def _current_task_name(loop: Any) -> str | None:
    """The name of the task the loop is running (read from another thread: a dict lookup)."""
    if loop is None:
        return None
    task = sys.modules["asyncio"].current_task(loop)
    return task.get_name() if task is not None else None
