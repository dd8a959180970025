"""``WindowBatcher``: the windows of every stream of one model, run in batches on a worker thread.

With many sessions in one process, running Silero on the event loop costs each 32 ms
window ~115 µs of the loop's time; a batch of 8 windows costs ~63 µs a window, and
onnxruntime releases the GIL while it computes. So a stream's window waits a few
milliseconds on the loop for others to join it, then the batch goes to one worker
thread per model and rate; the results come back to the loop in one callback.

A batch leaves :data:`MAX_WAIT_SECS` after its first window, at once when it reaches
:data:`MAX_BATCH` windows, or, while the worker is busy, as soon as the worker is
done: under load, batches grow by themselves and the loop wakes about once per batch,
not once per window.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

from .log import logger
from .model import SileroModel

#: How long the first window of a batch waits for others (seconds).
MAX_WAIT_SECS = 0.006
#: A batch that reaches this many windows leaves at once.
MAX_BATCH = 64

#: (probability, next state) of one window.
Result = tuple[float, tuple[Any, ...]]


@dataclass(slots=True)
class _Batch:
    """Windows waiting together, with the futures of their streams."""

    batcher: WindowBatcher
    windows: list[Any] = field(default_factory=list)
    states: list[tuple[Any, ...]] = field(default_factory=list)
    futures: list[asyncio.Future[Result]] = field(default_factory=list)


class _Worker:
    """A daemon thread running the batches of one model at one rate, for every event loop."""

    def __init__(self, model: SileroModel, sample_rate: int) -> None:
        self._model = model
        self._sample_rate = sample_rate
        self._jobs: queue.SimpleQueue[_Batch] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def submit(self, batch: _Batch) -> None:
        """Queue ``batch``; its batcher's loop gets the results."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="silero-batches", daemon=True)
            self._thread.start()
        self._jobs.put(batch)

    def _work(self) -> None:
        while True:
            batch = self._jobs.get()
            try:
                results: list[Result] | BaseException = self._model.run_batch(
                    batch.windows, batch.states, self._sample_rate
                )
            except Exception as exc:  # handed to every stream of the batch
                results = exc
            try:
                batch.batcher.loop.call_soon_threadsafe(batch.batcher.deliver, batch, results)
            except RuntimeError:  # the loop has closed (its batcher with it): no one waits
                logger.debug("Silero batch dropped: its event loop is closed")


class WindowBatcher:
    """Gathers one event loop's windows of one model at one rate into batches for its worker.

    Every method runs on :attr:`loop`; see :func:`batcher_for`.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, worker: _Worker) -> None:
        self.loop = loop
        self._worker = worker
        self._waiting: _Batch | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._busy = False

    async def run(self, window: Any, state: tuple[Any, ...]) -> Result:
        """The probability of ``window`` (float32, context + window samples) and the next state."""
        batch = self._waiting
        if batch is None:
            batch = self._waiting = _Batch(self)
            self._timer = self.loop.call_later(MAX_WAIT_SECS, self._send_when_idle)
        future: asyncio.Future[Result] = self.loop.create_future()
        batch.windows.append(window)
        batch.states.append(state)
        batch.futures.append(future)
        if len(batch.windows) >= MAX_BATCH:
            self._send()
        return await future

    def deliver(self, batch: _Batch, results: list[Result] | BaseException) -> None:
        """Called on the loop by the worker: resolve the batch's futures, send the next batch."""
        self._busy = False
        for index, future in enumerate(batch.futures):
            if future.done():  # its stream was cancelled meanwhile
                continue
            if isinstance(results, BaseException):
                future.set_exception(results)
            else:
                future.set_result(results[index])
        if self._waiting is not None and self._timer is None:  # its wait ended while the worker was busy
            self._send()

    def _send_when_idle(self) -> None:
        self._timer = None
        if not self._busy:  # else the batch leaves when the worker hands back the last one
            self._send()

    def _send(self) -> None:
        batch, self._waiting = self._waiting, None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if batch is not None:
            self._busy = True
            self._worker.submit(batch)


_workers: dict[tuple[int, int], _Worker] = {}
_batchers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[int, int], WindowBatcher]] = (
    weakref.WeakKeyDictionary()
)


def batcher_for(model: SileroModel, sample_rate: int) -> WindowBatcher:
    """The running loop's batcher for ``model`` at ``sample_rate``; one worker thread per
    model and rate serves every loop of the process."""
    loop = asyncio.get_running_loop()
    key = (id(model), sample_rate)
    batchers = _batchers.setdefault(loop, {})
    batcher = batchers.get(key)
    if batcher is None:
        worker = _workers.get(key)
        if worker is None:
            worker = _workers[key] = _Worker(model, sample_rate)
        batcher = batchers[key] = WindowBatcher(loop, worker)
    return batcher
