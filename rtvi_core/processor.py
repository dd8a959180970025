"""``FrameProcessor``: the unit of a pipeline.

How frames move (the whole concurrency model):

* A processor *pushes* a frame to its neighbour (``push_frame``). Observers that
  want that frame class see the hop first.
* A **system frame** is processed at once, in the pusher's task: it never waits
  behind queued frames, so interruptions, cancellation, user audio and RTVI
  messages cross the pipeline in microseconds. A processor class may declare
  system frame classes its ``process_frame`` only passes on (``passes_through``):
  such a frame then goes straight to the next processor that acts on it, unless
  an observer wants its hops.
* A **data or control frame** is appended to the receiver's inbox and processed,
  in order, by the receiver's own worker task (started on the first such frame,
  parked when the inbox is empty). A slow processor therefore never delays the
  input of another processor, nor any system frame.
* An :class:`~rtvi_core.frames.InterruptionFrame` makes every processor it reaches
  drop its queued frames and cancel the frame it is working on, except frames
  whose ``interruptible`` flag is false.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, ClassVar

from ._deps import anyio
from .direction import FrameDirection
from .events import EventHandlerMixin
from .frames import (
    CancelFrame,
    EndFrame,
    ErrorFrame,
    Frame,
    InterruptionFrame,
    InterruptionTaskFrame,
    StartFrame,
)
from .metrics_reporting import MetricsReporting
from .observers import FramePushed
from .processor_inbox import FrameInbox
from .processor_names import describe_processor
from .ready import READY

if TYPE_CHECKING:
    from .runtime import ManagedTask, TaskRuntime

logger = logging.getLogger("rtvi_core.processor")

DOWNSTREAM = FrameDirection.DOWNSTREAM
UPSTREAM = FrameDirection.UPSTREAM

#: System frames the base ``process_frame`` acts on (all others cost nothing there).
_LIFECYCLE_FRAMES = (InterruptionFrame, StartFrame, CancelFrame)

_instance_counts: dict[str, int] = {}

_NOTHING_PASSES: frozenset[type[Frame]] = frozenset()
_passes_through_cache: dict[type, frozenset[type[Frame]]] = {}


def _passes_through_of(cls: type[FrameProcessor]) -> frozenset[type[Frame]]:
    """``passes_through`` of the class in ``cls``'s MRO that defines ``process_frame``."""
    found = _passes_through_cache.get(cls)
    if found is None:
        owner = next(c for c in cls.__mro__ if "process_frame" in c.__dict__)
        found = owner.__dict__.get("passes_through", _NOTHING_PASSES)
        _passes_through_cache[cls] = found
    return found


def _default_name(obj: object) -> str:
    cls = type(obj).__name__
    count = _instance_counts.get(cls, 0)
    _instance_counts[cls] = count + 1
    return f"{cls}#{count}"


class FrameProcessor(EventHandlerMixin, MetricsReporting, FrameInbox):
    """Receives frames in either direction and pushes frames on in either direction.

    Subclass it and override :meth:`process_frame`; call
    ``await super().process_frame(frame, direction)`` first (it handles start,
    interruption and cancellation) and push what should go on with
    :meth:`push_frame`.
    """

    #: System frame classes (exact classes) that this class's ``process_frame`` only
    #: pushes on, unchanged and in the same direction. They skip the processor: a
    #: push goes straight to the next processor that acts on them (hops are still
    #: walked one by one while an observer wants the frame). Only read on the class
    #: that defines ``process_frame``, so a subclass overriding it passes nothing
    #: through unless it declares its own set.
    passes_through: ClassVar[frozenset[type[Frame]]] = _NOTHING_PASSES

    def __init__(self, *, name: str | None = None, **kwargs: Any) -> None:
        super().__init__()
        self._name = name or _default_name(self)
        self._prev: FrameProcessor | None = None
        self._next: FrameProcessor | None = None
        self._runtime: TaskRuntime | None = None
        self._observers: Any = None
        self._observer_map: dict[type, tuple[Any, ...]] | None = None
        self._reset_inbox()
        self._started = False
        self._cancelling = False
        self._allow_interruptions = True
        self._tasks: set[ManagedTask] | None = None  # made by the first create_task()
        self._passes_through = _NOTHING_PASSES
        if kwargs:
            unknown = ", ".join(sorted(kwargs))
            raise TypeError(f"{type(self).__name__} got unexpected keyword argument(s): {unknown}")

    # -- identity and links ---------------------------------------------------------

    @property
    def name(self) -> str:
        """The processor's name (``ClassName#n`` unless given)."""
        return self._name

    @property
    def next(self) -> FrameProcessor | None:
        """The processor downstream of this one."""
        return self._next

    @property
    def previous(self) -> FrameProcessor | None:
        """The processor upstream of this one."""
        return self._prev

    @property
    def has_started(self) -> bool:
        """True once a StartFrame has been processed."""
        return self._started

    @property
    def interruptions_allowed(self) -> bool:
        """Whether the run allows interruptions (from the StartFrame)."""
        return self._allow_interruptions

    @property
    def runtime(self) -> TaskRuntime:
        """The running task's services; only available after setup."""
        if self._runtime is None:
            raise RuntimeError(f"{self} is not part of a running task")
        return self._runtime

    def link(self, processor: FrameProcessor) -> None:
        """Make ``processor`` the next one downstream."""
        self._next = processor
        processor._prev = self

    def processors_flat(self) -> list[FrameProcessor]:
        """The leaf processors this one stands for (itself; pipelines expand)."""
        return [self]

    def __str__(self) -> str:
        return self._name

    # -- lifecycle --------------------------------------------------------------------

    async def setup(self, runtime: TaskRuntime) -> None:
        """Called by the task before the StartFrame; keep a reference, start nothing.

        A processor may run in several tasks one after another: the state of the
        previous run (queued frames, worker, flags) is dropped here.
        """
        self._reset_inbox()
        self._started = False
        self._cancelling = False
        self._tasks = None
        # An instance whose process_frame was replaced acts on everything.
        self._passes_through = _NOTHING_PASSES if "process_frame" in self.__dict__ else _passes_through_of(type(self))
        self._runtime = runtime
        self._observers = runtime.observers
        self._observer_map = runtime.observers.by_type
        self._event_runtime = runtime

    async def cleanup(self) -> None:
        """Called by the task after the run; release resources here."""
        for task in list(self._tasks or ()):
            task.cancel()

    def _detach(self) -> None:
        """Called by the task once the run is over: forget the neighbours and the run's services.

        They are reference cycles (neighbour to neighbour, and back to the task through
        its runtime): without them reference counting frees the run when its owner lets
        go, instead of the cyclic GC later. A new task links and sets up the processor again.
        """
        self._prev = self._next = None
        self._runtime = self._event_runtime = None
        self._observers = self._observer_map = None
        self._reset_inbox()
        self._tasks = None

    async def start(self, frame: StartFrame) -> None:
        """Called when the StartFrame arrives (before it is pushed on)."""

    async def stop(self, frame: EndFrame) -> None:
        """Called when the EndFrame arrives (before it is pushed on)."""

    async def cancel(self, frame: CancelFrame) -> None:
        """Called when the CancelFrame arrives (before it is pushed on)."""

    def _still_running(self) -> list[str]:
        """What of this processor is still running (for the log of a run that did not stop)."""
        running = [f"{self} processing {self._current.name}"] if self._current is not None else []
        return running + [f"task {task.name}" for task in self._tasks or () if not task.done]

    # -- background tasks -----------------------------------------------------------

    def create_task(self, coroutine: Coroutine[Any, Any, Any], name: str | None = None) -> ManagedTask:
        """Run ``coroutine`` in the background for the life of this run."""
        # a coroutine object's __qualname__ (typing.Coroutine does not declare it)
        handle = self.runtime.start_task(_once(coroutine), name=f"{self}::{name or coroutine.__qualname__}")  # type: ignore[attr-defined]
        if self._tasks is None:
            self._tasks = set()
        self._tasks.add(handle)
        return handle

    async def cancel_task(self, task: ManagedTask, timeout: float | None = 1.0) -> None:
        """Cancel a task made by :meth:`create_task` and wait for it to finish."""
        task.cancel()
        with anyio.move_on_after(timeout):
            await task.wait()
        if self._tasks is not None:
            self._tasks.discard(task)

    # -- frame processing -----------------------------------------------------------

    def process_frame(self, frame: Frame, direction: FrameDirection) -> Awaitable[None]:
        """Handle one frame. Subclasses call ``await super().process_frame(...)`` first.

        The base handles StartFrame, InterruptionFrame, CancelFrame and EndFrame.
        (It is a plain function returning an awaitable so that the common case,
        a data frame, costs no coroutine; overrides are ordinary ``async def``.)
        """
        if frame.is_system:
            if isinstance(frame, _LIFECYCLE_FRAMES):
                return self._process_lifecycle(frame)
            return READY
        if isinstance(frame, EndFrame):
            return self.stop(frame)
        return READY

    async def _process_lifecycle(self, frame: Frame) -> None:
        if isinstance(frame, InterruptionFrame):
            self._start_interruption()
        elif isinstance(frame, StartFrame):
            self._started = True
            self._allow_interruptions = frame.allow_interruptions
            self._metrics_setup(frame)
            await self.start(frame)
        elif isinstance(frame, CancelFrame):
            self._cancelling = True
            if self._inbox:
                self._inbox.clear()
            await self.cancel(frame)

    async def queue_frame(self, frame: Frame, direction: FrameDirection = DOWNSTREAM) -> None:
        """Deliver ``frame`` to this processor as if a neighbour had pushed it."""
        if frame.is_system:
            await self._process_system(frame, direction)
        else:
            self._enqueue(frame, direction)

    def push_frame(self, frame: Frame, direction: FrameDirection = DOWNSTREAM) -> Awaitable[None]:
        """Send ``frame`` to the next processor in ``direction``; await the result.

        A data or control frame is queued at the receiver right away; a system frame
        is processed by the receiver before the returned awaitable completes.
        """
        target = self._next if direction is DOWNSTREAM else self._prev
        if target is None:
            return READY
        by_type = self._observer_map
        if by_type is not None:
            wanted = by_type.get(type(frame))
            if wanted is None:
                wanted = self._observers.for_type(type(frame))
            if wanted:
                marks = frame.__dict__
                for observer in wanted:
                    key = observer.seen_key
                    if key is None or key not in marks:
                        return self._push_observed(target, frame, direction, wanted)
        if frame.is_system:
            frame_type = type(frame)
            while frame_type in target._passes_through:
                target = target._next if direction is DOWNSTREAM else target._prev
                if target is None:
                    return READY
            return target._process_system(frame, direction)
        target._enqueue(frame, direction)
        return READY

    async def _push_observed(
        self,
        target: FrameProcessor,
        frame: Frame,
        direction: FrameDirection,
        observers: tuple[Any, ...],
    ) -> None:
        hop = FramePushed(self, target, frame, direction, self._runtime.now_ns())  # type: ignore[union-attr]
        marks = frame.__dict__
        for observer in observers:
            key = observer.seen_key
            if key is None or key not in marks:
                await observer.on_push_frame(hop)
        if frame.is_system:
            await target._process_system(frame, direction)
        else:
            target._enqueue(frame, direction)

    async def broadcast_frame(self, frame_cls: type[Frame], **kwargs: Any) -> None:
        """Push a new ``frame_cls(**kwargs)`` both downstream and upstream."""
        await self.push_frame(frame_cls(**kwargs), DOWNSTREAM)
        await self.push_frame(frame_cls(**kwargs), UPSTREAM)

    async def broadcast_interruption(self) -> None:
        """Interrupt the whole pipeline: the task sends an InterruptionFrame from the top."""
        await self.push_frame(InterruptionTaskFrame(), UPSTREAM)

    async def push_error(self, error: str, exception: BaseException | None = None, fatal: bool = False) -> None:
        """Report an error upstream (to the RTVI processor and the task)."""
        await self.push_frame(ErrorFrame(error=error, fatal=fatal, processor=self, exception=exception), UPSTREAM)

    # -- internals: system path -------------------------------------------------------

    async def _process_system(self, frame: Frame, direction: FrameDirection) -> None:
        try:
            await self.process_frame(frame, direction)
        except Exception as exc:  # a processor bug must not take the pipeline down
            await self._report_failure(frame, exc)

    async def _report_failure(self, frame: Frame, exc: Exception) -> None:
        logger.exception("%s failed processing %s", self, frame)
        if isinstance(frame, ErrorFrame):
            return  # never answer an error with an error
        if isinstance(frame, StartFrame):  # the StartFrame goes no further: the run cannot go on
            await self.push_error(f"{describe_processor(self)} failed to start: {exc}", exception=exc, fatal=True)
            return
        await self.push_error(f"{self} error processing {frame.name}: {exc}", exception=exc)


def _once(coroutine: Coroutine[Any, Any, Any]) -> Callable[[], Awaitable[Any]]:
    async def run() -> Any:
        return await coroutine

    return run
