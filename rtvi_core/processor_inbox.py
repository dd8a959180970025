"""``FrameInbox``: a processor's queue of data and control frames, and the worker that drains it.

A data or control frame pushed to a processor is appended to its inbox; the
processor's own worker task (started on the first such frame, parked when the
inbox is empty) processes the frames in order, yielding to the event loop every
``FRAMES_PER_TURN`` frames. An interruption drops the interruptible frames waiting
and cancels the one being processed, unless it is uninterruptible; a fresh worker
takes over what is left. :class:`~rtvi_core.processor.FrameProcessor` is the only
class that mixes it in.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable
from typing import TYPE_CHECKING

from ._deps import anyio

if TYPE_CHECKING:
    from .direction import FrameDirection
    from .frames import Frame
    from .runtime import TaskRuntime, Waiter

#: A worker yields to the event loop after this many frames in a row.
FRAMES_PER_TURN = 32


class FrameInbox:
    """The queued path of a processor: its inbox, its worker, and interrupting them."""

    if TYPE_CHECKING:  # provided by FrameProcessor
        _runtime: TaskRuntime | None
        _cancelling: bool

        @property
        def runtime(self) -> TaskRuntime: ...

        def process_frame(self, frame: Frame, direction: FrameDirection) -> Awaitable[None]: ...

        async def _report_failure(self, frame: Frame, exc: Exception) -> None: ...

    def _reset_inbox(self) -> None:
        """Forget the queued frames and the worker (a new processor, or a new run)."""
        self._inbox: deque[tuple[Frame, FrameDirection]] | None = None  # made on first use
        self._worker_scope: anyio.CancelScope | None = None
        self._worker_task_id: int | None = None
        self._wakeup: Waiter | None = None
        self._current: Frame | None = None

    def _enqueue(self, frame: Frame, direction: FrameDirection) -> None:
        if self._cancelling:
            return
        inbox = self._inbox
        if inbox is None:
            inbox = self._inbox = deque()
        inbox.append((frame, direction))
        if self._worker_scope is None:
            self._start_worker()
        else:
            wakeup = self._wakeup
            if wakeup is not None:
                self._wakeup = None
                wakeup.wake()

    def _start_worker(self) -> None:
        runtime = self._runtime
        if runtime is None:
            raise RuntimeError(f"{self} received {self._inbox[0][0]} outside a running task")  # type: ignore[index]
        scope = anyio.CancelScope()
        self._worker_scope = scope
        runtime.task_group.start_soon(self._work, scope, name=f"{self}::worker")

    async def _work(self, scope: anyio.CancelScope) -> None:
        inbox = self._inbox
        assert inbox is not None  # a worker starts for a queued frame
        try:
            with scope:
                self._worker_task_id = anyio.get_current_task().id
                while True:
                    budget = FRAMES_PER_TURN
                    # The scope check stops a worker replaced after an interruption even if
                    # the cancelled processing swallowed the cancellation.
                    while inbox and self._worker_scope is scope:
                        frame, direction = inbox.popleft()
                        self._current = frame
                        try:
                            await self.process_frame(frame, direction)
                        except Exception as exc:
                            await self._report_failure(frame, exc)
                        self._current = None
                        budget -= 1
                        if not budget:
                            # Let other processors and sessions run; the frames just pushed
                            # downstream are then handled while still in the CPU cache.
                            budget = FRAMES_PER_TURN
                            await anyio.sleep(0)
                    waiter = self.runtime.new_waiter()
                    self._wakeup = waiter
                    await waiter.wait()
                    self._wakeup = None
        except BaseException:
            # The end of the run cancels the worker: the CancelledError's traceback keeps
            # this frame, and anyio's task group keeps the error in a reference cycle (left
            # to the cyclic GC). Keep neither the processor nor its frames in that frame
            # (hence no local for the runtime, which names the task, either).
            self = inbox = frame = direction = waiter = None  # type: ignore[assignment]
            raise
        # Cancelled (interruption or end of run); a fresh worker takes over what is left.
        if self._worker_scope is scope:
            self._worker_scope = None
            self._current = None

    def _start_interruption(self) -> None:
        inbox = self._inbox
        if inbox:
            kept = [item for item in inbox if not item[0].interruptible]
            inbox.clear()
            inbox.extend(kept)
        scope = self._worker_scope
        current = self._current
        if (
            scope is not None
            and current is not None
            and current.interruptible
            and anyio.get_current_task().id != self._worker_task_id
        ):
            scope.cancel()
            self._worker_scope = None
            self._wakeup = None
            self._current = None
            if inbox:
                self._start_worker()
