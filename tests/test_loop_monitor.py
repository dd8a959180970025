"""LoopMonitor: a real blocking callback is named in a WARNING and recorded in the snapshot."""

from __future__ import annotations

import logging
import threading
import time

import anyio
import msgspec
import pytest

from rtvi_core.loop_monitor import LoopLag, LoopMonitor
from rtvi_core.testing import eventually

pytestmark = pytest.mark.anyio


def watchdogs() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "rtvi-loop-watchdog"]


async def blocking_step() -> None:
    time.sleep(0.3)  # the bug a monitor is for: blocking work on the event loop


async def test_a_blocking_coroutine_is_named_in_a_warning_and_recorded(caplog):
    caplog.set_level(logging.WARNING, logger="rtvi_core.loop_monitor")
    async with LoopMonitor(interval_secs=0.01, stall_secs=0.1) as monitor:
        await eventually(lambda: len(monitor._lags) > 3)
        await blocking_step()
        await eventually(lambda: monitor.snapshot().stalls >= 1)
        snapshot = monitor.snapshot()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    named = [w for w in warnings if "test_loop_monitor.py" in w and "blocking_step" in w]
    assert named and named[0].startswith("event loop blocked for over 100 ms")
    assert "(task " in named[0]  # the running task is named too
    assert snapshot.last_stall is not None and "blocking_step" in snapshot.last_stall
    assert snapshot.stalls >= 1 and snapshot.max_ms >= snapshot.p50_ms
    assert watchdogs() == []  # the thread was stopped and joined


async def test_one_warning_per_stall(caplog):
    caplog.set_level(logging.WARNING, logger="rtvi_core.loop_monitor")
    async with LoopMonitor(interval_secs=0.01, stall_secs=0.05) as monitor:
        await anyio.sleep(0.05)
        time.sleep(0.4)  # eight thresholds long: still one warning
        await eventually(lambda: monitor.snapshot().stalls >= 1)
    named = [r for r in caplog.records if "test_one_warning_per_stall" in r.getMessage()]
    assert len(named) == 1


async def test_snapshot_is_json_for_health_and_the_monitor_stops_cleanly():
    monitor = LoopMonitor(interval_secs=0.01)
    assert monitor.snapshot() == LoopLag(0.0, 0.0, 0.0, 0.0, 0, 60.0)
    async with anyio.create_task_group() as group:
        group.start_soon(monitor.run)
        await eventually(lambda: len(monitor._lags) >= 3)
        assert len(watchdogs()) == 1
        with pytest.raises(RuntimeError, match="already running"):
            await monitor.run()
        group.cancel_scope.cancel()
    assert watchdogs() == []
    health = msgspec.json.decode(msgspec.json.encode(monitor.snapshot()))
    assert set(health) == {"current_ms", "p50_ms", "p99_ms", "max_ms", "stalls", "window_secs", "last_stall"}
    async with monitor:  # it can run again
        await eventually(lambda: len(monitor._lags) >= 4)
    assert watchdogs() == []


def test_bad_settings_are_clear_errors():
    with pytest.raises(ValueError, match="stall_secs must be > 0, got 0"):
        LoopMonitor(stall_secs=0)
