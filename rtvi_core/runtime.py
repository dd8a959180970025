"""What a running task shares with its processors: task group, observers, clock."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import TYPE_CHECKING, Any

from ._deps import anyio
from .code_location import describe_task

if TYPE_CHECKING:
    from .observers import BaseObserver
    from .task import PipelineTask

logger = logging.getLogger("rtvi_core.runtime")


class ManagedTask:
    """A background task started by a processor; cancel it or wait for it."""

    __slots__ = ("_cancel_requested", "_done", "_scope", "name")

    def __init__(self, name: str) -> None:
        self.name = name
        self._scope: anyio.CancelScope | None = None
        self._done = anyio.Event()
        self._cancel_requested = False

    @property
    def done(self) -> bool:
        """True once the task has finished, failed or been cancelled."""
        return self._done.is_set()

    def cancel(self) -> None:
        """Ask the task to stop at its next checkpoint."""
        self._cancel_requested = True
        if self._scope is not None:
            self._scope.cancel()

    async def wait(self) -> None:
        """Wait until the task has finished."""
        await self._done.wait()

    async def _run(self, func: Callable[[], Awaitable[Any]]) -> None:
        with anyio.CancelScope() as scope:
            self._scope = scope
            if self._cancel_requested:
                scope.cancel()
            try:
                await func()
            except Exception:
                logger.exception("background task %s failed", self.name)
        self._done.set()


class Detached:
    """``func()`` in a task of its own, outside the run's task group, so that waiting for
    it can be bounded even when it ignores cancellation.

    On asyncio it is a bare loop task: :meth:`wait` gives up at a deadline and
    :meth:`cancel` does not wait, so nothing it does can hold its caller up. On other
    anyio backends it runs in ``group`` (whose exit then waits for it). Exceptions of
    ``func`` are logged.
    """

    __slots__ = ("_handle", "_task", "name")

    def __init__(self, func: Callable[[], Awaitable[Any]], name: str, group: anyio.abc.TaskGroup | None) -> None:
        self.name = name
        loop = running_asyncio_loop()
        if loop is not None:
            self._task: Any = loop.create_task(func(), name=name)
            self._task.add_done_callback(_log_failure)
            self._handle: ManagedTask | None = None
        else:
            if group is None:
                raise RuntimeError(f"{name}: a task group is needed on this event loop")
            self._task = None
            self._handle = ManagedTask(name)
            group.start_soon(self._handle._run, func, name=name)

    @property
    def done(self) -> bool:
        """True once ``func`` has returned, failed or been cancelled."""
        return self._task.done() if self._task is not None else self._handle.done  # type: ignore[union-attr]

    async def wait(self, deadline: float) -> bool:
        """Wait until it has finished, or until ``deadline`` (``anyio.current_time()``); True if finished."""
        if self._task is None:
            with anyio.move_on_at(deadline):
                await self._handle.wait()  # type: ignore[union-attr]
            return self.done
        if not self._task.done():
            await sys.modules["asyncio"].wait((self._task,), timeout=max(0.0, deadline - anyio.current_time()))
        finished: bool = self._task.done()
        return finished

    def cancel(self) -> None:
        """Ask it to stop, without waiting (it is kept referenced until it ends)."""
        if self._task is None:
            self._handle.cancel()  # type: ignore[union-attr]
        elif not self._task.done():
            self._task.cancel()
            _leave_behind(self._task)

    def describe(self) -> str:
        """Its name and, on asyncio, where it is suspended."""
        return describe_task(self._task) if self._task is not None else repr(self.name)


#: Cancelled tasks no longer waited for that have not ended yet (kept referenced).
_left_behind: set[Any] = set()


def _leave_behind(task: Any) -> None:
    _left_behind.add(task)
    task.add_done_callback(_left_behind.discard)


def left_behind() -> list[str]:
    """The tasks runs gave up waiting for that still have not ended, and where each is.

    They ignore cancellation. asyncio's shutdown (``asyncio.run``, ``anyio.run``) waits for
    every task, so a process that must exit anyway checks this first (and exits hard).
    """
    return [describe_task(task) for task in list(_left_behind) if not task.done()]


def _log_failure(task: Any) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("%s failed", task.get_name(), exc_info=task.exception())


async def finish_by(
    deadline: float, func: Callable[[], Awaitable[Any]], name: str, group: anyio.abc.TaskGroup | None = None
) -> Detached | None:
    """Run ``func()`` as a :class:`Detached` task until ``deadline``.

    Returns None when it finished, else the task, cancelled and left behind (its first
    step runs even when the deadline has passed). See :class:`Detached` for ``group``.
    """
    task = Detached(func, name, group)
    if await task.wait(deadline):
        return None
    task.cancel()
    return task


class Waiter:
    """A one-shot wake-up for a parked worker: ``await waiter.wait()``, ``waiter.wake()``.

    On asyncio it is a bare loop future (a worker hop is on every frame's path, so
    this matters); on other anyio backends it is an :class:`anyio.Event`.
    """

    __slots__ = ("_event", "_future")

    def __init__(self, loop: Any) -> None:
        if loop is not None:
            self._future: Any = loop.create_future()
            self._event: anyio.Event | None = None
        else:
            self._future = None
            self._event = anyio.Event()

    def wake(self) -> None:
        """Wake the waiting worker (idempotent)."""
        future = self._future
        if future is not None:
            if not future.done():
                future.set_result(None)
        else:
            self._event.set()  # type: ignore[union-attr]

    async def wait(self) -> None:
        """Park until :meth:`wake` is called (cancellable)."""
        if self._future is not None:
            await self._future
        else:
            await self._event.wait()  # type: ignore[union-attr]


def running_asyncio_loop() -> Any:
    """The running asyncio loop, or None on another backend (asyncio is not imported eagerly)."""
    asyncio = sys.modules.get("asyncio")
    if asyncio is None:
        return None
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class ObserverDispatch:
    """Maps a frame class to the observers that want it, computed once per class."""

    __slots__ = ("by_type", "observers")

    def __init__(self, observers: Iterable[BaseObserver]) -> None:
        self.observers = list(observers)
        #: frame class -> observers wanting it; processors read it directly per hop.
        self.by_type: dict[type, tuple[BaseObserver, ...]] = {}

    def add(self, observer: BaseObserver) -> None:
        """Add an observer (also while running)."""
        self.observers.append(observer)
        self.by_type.clear()

    def remove(self, observer: BaseObserver) -> None:
        """Remove an observer."""
        self.observers.remove(observer)
        self.by_type.clear()

    def for_type(self, frame_type: type) -> tuple[BaseObserver, ...]:
        """The observers wanting ``frame_type`` (cached)."""
        found = self.by_type.get(frame_type)
        if found is None:
            found = tuple(o for o in self.observers if o.wants(frame_type))
            self.by_type[frame_type] = found
        return found


class TaskRuntime:
    """Per-run services handed to every processor by :meth:`FrameProcessor.setup`."""

    def __init__(
        self,
        task: PipelineTask,
        task_group: anyio.abc.TaskGroup,
        observers: ObserverDispatch,
    ) -> None:
        self.task = task
        self.task_group = task_group
        self.observers = observers
        self._clock_start = time.monotonic_ns()
        self._loop = running_asyncio_loop()
        self._children: set[Any] = set()  # asyncio tasks started by spawn(), until done
        self._closed = False

    def new_waiter(self) -> Waiter:
        """A fresh :class:`Waiter` for the running event loop."""
        return Waiter(self._loop)

    def now_ns(self) -> int:
        """Nanoseconds since the task started (the pipeline clock)."""
        return time.monotonic_ns() - self._clock_start

    def spawn(self, func: Callable[..., Coroutine[Any, Any, Any]], *args: Any) -> None:
        """Run ``func(*args)`` in a child task of the run; it is cancelled when the run ends.

        For short work started per message (event handlers, RTVI requests): on asyncio
        it is a bare loop task, about 5x cheaper to start than a task group child
        (anyio's bookkeeping per task); on other backends it is the task group's.
        ``func`` should handle its own errors: one that escapes is logged.
        """
        if self._closed:
            raise RuntimeError(f"{self.task} has finished: no new task can be started")
        loop = self._loop
        if loop is None:
            self.task_group.start_soon(func, *args)
            return
        task = loop.create_task(func(*args))
        self._children.add(task)
        task.add_done_callback(self._child_done)

    def _child_done(self, task: Any) -> None:
        self._children.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("a task of %s failed", self.task, exc_info=task.exception())

    async def close(self, deadline: float) -> list[str]:
        """At the end of the run: cancel the tasks :meth:`spawn` started and wait for them
        until ``deadline`` (``anyio.current_time()``); returns those still running then.
        """
        self._closed = True
        children = list(self._children)
        for child in children:
            child.cancel()
        if children:
            timeout = max(0.0, deadline - anyio.current_time())
            await sys.modules["asyncio"].wait(children, timeout=timeout)
        stuck = [child for child in children if not child.done()]
        for child in stuck:
            _leave_behind(child)
        return [describe_task(child) for child in stuck]

    def start_task(self, func: Callable[[], Awaitable[Any]], name: str) -> ManagedTask:
        """Start ``func()`` in the task's group; returns a handle to cancel or await it."""
        handle = ManagedTask(name)
        self.task_group.start_soon(handle._run, func, name=name)
        return handle
