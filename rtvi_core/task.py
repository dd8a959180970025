"""``PipelineTask``: one run of a pipeline, with RTVI wired in by default."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from ._deps import anyio
from .direction import FrameDirection
from .events import EventHandlerMixin
from .frames import (
    CancelFrame,
    CancelTaskFrame,
    EndFrame,
    EndTaskFrame,
    ErrorFrame,
    Frame,
    InterruptionFrame,
    InterruptionTaskFrame,
    MetricsFrame,
    StartFrame,
    StopFrame,
)
from .metrics import ProcessingMetricsData, TTFBMetricsData
from .observers import BaseObserver
from .params import PipelineParams
from .processor import FrameProcessor
from .processor_names import describe_processor
from .runtime import Detached, ObserverDispatch, TaskRuntime, finish_by, running_asyncio_loop

if TYPE_CHECKING:
    from .rtvi.messages import BotCapabilities
    from .rtvi.observer import RTVIObserver, RTVIObserverParams
    from .rtvi.processor import RTVIProcessor

logger = logging.getLogger("rtvi_core.task")

DOWNSTREAM = FrameDirection.DOWNSTREAM
UPSTREAM = FrameDirection.UPSTREAM


class _TaskSource(FrameProcessor):
    """Head of the chain: where queued frames enter and task requests arrive."""

    def __init__(self, task: PipelineTask) -> None:
        super().__init__(name=f"{task.name}::source")
        self._task: PipelineTask | None = task  # None once the run is over (a cycle)

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        if direction is DOWNSTREAM:
            await super().process_frame(frame, direction)
            await self.push_frame(frame, direction)
        elif self._task is not None:
            await self._task._on_upstream(frame)


class _TaskSink(FrameProcessor):
    """Tail of the chain: notices the end of the run."""

    def __init__(self, task: PipelineTask) -> None:
        super().__init__(name=f"{task.name}::sink")
        self._task: PipelineTask | None = task  # None once the run is over (a cycle)

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        if direction is DOWNSTREAM:
            if self._task is not None:
                await self._task._on_downstream(frame)
        else:
            await super().process_frame(frame, direction)
            await self.push_frame(frame, direction)


class _Steps:
    """Runs ``(what, step)`` pairs in order until done or ``abandoned``; ``index`` is the
    current one. A step that raises is logged and the next one runs."""

    def __init__(self, owner: object, steps: list[tuple[str, Callable[[], Any]]]) -> None:
        self.owner = owner
        self.steps = steps
        self.index = 0
        self.abandoned = False

    async def run(self) -> None:
        for index, (what, step) in enumerate(self.steps):
            if self.abandoned:
                return
            self.index = index
            try:
                await step()
            except Exception:
                logger.exception("%s: %s failed", self.owner, what)


class PipelineTask(EventHandlerMixin):
    """Runs a pipeline once: sends the StartFrame, takes queued frames, ends it.

    With ``enable_rtvi=True`` (the default) an :class:`RTVIProcessor` is put at the
    head of the pipeline (``task.rtvi``) and an :class:`RTVIObserver` is registered,
    and every ``client-ready`` is answered with ``bot-ready`` once the pipeline has
    started (every processor's ``start()`` has returned); a run that fails to start
    sends a fatal ``error`` instead.

    Events: ``on_pipeline_started(task, frame)``, ``on_pipeline_finished(task, frame)``,
    ``on_pipeline_error(task, error_frame)``, ``on_frame_reached_upstream(task, frame)``
    and ``on_frame_reached_downstream(task, frame)`` (for the frame classes set with
    :meth:`set_reached_upstream_filter` / :meth:`set_reached_downstream_filter`).
    """

    _count = 0

    def __init__(
        self,
        pipeline: FrameProcessor,
        *,
        params: PipelineParams | None = None,
        observers: Sequence[BaseObserver] | None = None,
        enable_rtvi: bool = True,
        rtvi_processor: RTVIProcessor | None = None,
        rtvi_observer_params: RTVIObserverParams | None = None,
        capabilities: BotCapabilities | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__()
        for event in (
            "on_pipeline_started",
            "on_pipeline_finished",
            "on_pipeline_error",
            "on_frame_reached_upstream",
            "on_frame_reached_downstream",
        ):
            self._register_event_handler(event)
        self.name = name or f"PipelineTask#{PipelineTask._count}"
        PipelineTask._count += 1
        self._params = params or PipelineParams()
        self._capabilities = capabilities
        self._pipeline = pipeline
        self._observer_dispatch = ObserverDispatch(observers or ())
        self._rtvi: RTVIProcessor | None = None
        self._made_rtvi = False  # this task made its RTVI processor (and so owns its handlers)
        self._rtvi_observer: RTVIObserver | None = None
        leaves = pipeline.processors_flat()
        if enable_rtvi:
            leaves = self._wire_rtvi(leaves, rtvi_processor, rtvi_observer_params)
        self._source = _TaskSource(self)
        self._sink = _TaskSink(self)
        self._processors = [self._source, *leaves, self._sink]
        for upstream, downstream in zip(self._processors, self._processors[1:]):
            upstream.link(downstream)
        self._reached_upstream: tuple[type[Frame], ...] = ()
        self._reached_downstream: tuple[type[Frame], ...] = ()
        self._pending: list[Frame] = []
        self._ran = False
        self._set_up = False  # the processors are set up: a CancelFrame has to cross them
        self._start_reached_end = False  # the StartFrame reached the sink
        self._started = False
        self._finished = False
        # Made in run(), inside the loop: the run ended; the start settled (started or ended).
        self._finished_event: anyio.Event | None = None
        self._ready_event: anyio.Event | None = None
        self._end_frame: Frame | None = None
        self._fatal_error: ErrorFrame | None = None
        self._cancelled = False
        self._ending = False  # an EndFrame was queued
        self._deadline: float | None = None  # when ending the run must be over (anyio clock)
        self._runtime: TaskRuntime | None = None
        self._helpers: anyio.abc.TaskGroup | None = None  # hosts Detached tasks off asyncio
        self._group_scope: anyio.CancelScope | None = None
        self._starter: Detached | None = None  # sets up and starts the processors

    # -- RTVI wiring ------------------------------------------------------------------

    def _wire_rtvi(
        self,
        leaves: list[FrameProcessor],
        rtvi_processor: RTVIProcessor | None,
        observer_params: RTVIObserverParams | None,
    ) -> list[FrameProcessor]:
        from .rtvi.observer import RTVIObserver
        from .rtvi.processor import RTVIProcessor

        present = [p for p in leaves if isinstance(p, RTVIProcessor)]
        if present:
            self._rtvi = present[0]
        else:
            self._made_rtvi = rtvi_processor is None
            self._rtvi = rtvi_processor or RTVIProcessor()
            leaves = [self._rtvi, *leaves]
        existing = [o for o in self._observer_dispatch.observers if isinstance(o, RTVIObserver)]
        if existing:
            self._rtvi_observer = existing[0]
        else:
            self._rtvi_observer = self._rtvi.create_rtvi_observer(params=observer_params)
            self._observer_dispatch.add(self._rtvi_observer)
        rtvi = self._rtvi

        @rtvi.event_handler("on_client_ready")
        async def _answer_client_ready(processor: RTVIProcessor) -> None:
            # The client may talk as soon as it has bot-ready: only once every processor
            # has started (as in Pipecat, where it queues behind the StartFrame).
            await self._ready_event.wait()  # type: ignore[union-attr]
            if self._started and not self._finished:
                await processor.set_bot_ready()

        return leaves

    # -- public API -------------------------------------------------------------------

    @property
    def params(self) -> PipelineParams:
        """The run's settings."""
        return self._params

    @property
    def capabilities(self) -> BotCapabilities:
        """What the bot does in this run, sent in ``bot-ready``.

        Derived from the media its transports receive and send and from
        ``params.enable_metrics``; the fields the ``capabilities`` argument knows
        (not None) replace the derived ones.
        """
        from .rtvi.messages import BotCapabilities
        from .services.input_transport import BaseInputTransport
        from .services.output_transport import BaseOutputTransport

        derived = BotCapabilities(metrics=self._params.enable_metrics)
        for processor in self.processors:
            if isinstance(processor, (BaseInputTransport, BaseOutputTransport)):
                derived = derived.combine(processor.capabilities)
        return derived if self._capabilities is None else derived.override(self._capabilities)

    @property
    def pipeline(self) -> FrameProcessor:
        """The pipeline this task runs."""
        return self._pipeline

    @property
    def rtvi(self) -> RTVIProcessor:
        """The RTVI processor at the head of the pipeline."""
        if self._rtvi is None:
            raise AttributeError("this task runs without RTVI (enable_rtvi=False)")
        return self._rtvi

    @property
    def rtvi_observer(self) -> RTVIObserver | None:
        """The RTVI observer, or None without RTVI."""
        return self._rtvi_observer

    @property
    def observers(self) -> list[BaseObserver]:
        """The observers of this task."""
        return list(self._observer_dispatch.observers)

    @property
    def processors(self) -> list[FrameProcessor]:
        """Every processor of the run, head (RTVI) to tail, excluding the task's own ends."""
        return self._processors[1:-1]

    def add_observer(self, observer: BaseObserver) -> None:
        """Add an observer (also while running)."""
        self._observer_dispatch.add(observer)

    def remove_observer(self, observer: BaseObserver) -> None:
        """Remove an observer."""
        self._observer_dispatch.remove(observer)

    def set_reached_upstream_filter(self, types: Iterable[type[Frame]]) -> None:
        """Fire ``on_frame_reached_upstream`` for upstream frames of these classes."""
        self._reached_upstream = tuple(types)

    def set_reached_downstream_filter(self, types: Iterable[type[Frame]]) -> None:
        """Fire ``on_frame_reached_downstream`` for downstream frames of these classes."""
        self._reached_downstream = tuple(types)

    def has_finished(self) -> bool:
        """True once the run is over (ended, cancelled or failed)."""
        return self._finished

    @property
    def fatal_error(self) -> ErrorFrame | None:
        """The fatal error that ended the run, or None (it ended normally or was cancelled).

        A processor's fatal ``ErrorFrame``, or a start that failed or took longer than
        ``start_timeout_secs`` (``"tts plugin 'x' did not start within 10 s"``); the
        client got it as a fatal RTVI ``error``. A server closes such a session as failed.
        """
        return self._fatal_error

    @property
    def ending(self) -> bool:
        """True once an ``EndFrame`` was queued: the run ends by itself (``stop_when_done``,
        an ``EndTaskFrame``), even if it is cancelled before that frame gets through."""
        return self._ending

    async def queue_frame(self, frame: Frame) -> None:
        """Send ``frame`` downstream from the head of the pipeline."""
        if isinstance(frame, EndFrame):
            self._ending = True
        if not self._started:
            self._pending.append(frame)
            return
        await self._source.queue_frame(frame, DOWNSTREAM)

    async def queue_frames(self, frames: Iterable[Frame]) -> None:
        """Send ``frames`` downstream, in order, from the head of the pipeline."""
        for frame in frames:
            await self.queue_frame(frame)

    async def stop_when_done(self) -> None:
        """End the run once everything queued so far has been processed."""
        await self.queue_frame(EndFrame())

    async def cancel(self, reason: Any = None) -> None:
        """Stop the run now: a CancelFrame crosses the pipeline, queued frames are dropped.

        Also while the pipeline is still starting. Returns within ``cancel_timeout_secs``:
        a processor whose ``cancel()`` has not returned by then is left behind (logged).
        """
        if self._finished or self._cancelled:
            return
        self._cancelled = True
        timeout = self._params.cancel_timeout_secs
        if self._deadline is None:  # else a failure being reported set it
            self._deadline = anyio.current_time() + timeout
        frame = CancelFrame(reason=reason)
        if self._set_up:
            push = partial(self._source.queue_frame, frame, DOWNSTREAM)
            stuck = await finish_by(self._deadline, push, f"{self}::cancel", self._helpers)
            if stuck is not None:
                holder = self._holder(lambda processor: processor._cancelling)
                logger.warning(
                    "%s: the CancelFrame did not get past %s within %g s; left behind: %s",
                    self,
                    holder,
                    timeout,
                    stuck.describe(),
                )
        self._finish(frame)

    async def run(self) -> None:
        """Run the pipeline until it ends, is cancelled or fails (see :attr:`fatal_error`).

        A start that fails, or takes longer than ``start_timeout_secs``, is a fatal error
        naming the processor. Once the run has ended (or :meth:`cancel` was called) this
        returns within ``cancel_timeout_secs``, whatever state the pipeline is in: what
        has not stopped by then (a hung ``start()``/``stop()``/``cancel()``/``cleanup()``,
        an event handler ignoring cancellation) is logged and left behind.
        """
        if self._ran:
            raise RuntimeError(f"{self.name} has already been run; create a new task")
        self._ran = True
        self._finished_event = anyio.Event()
        self._ready_event = anyio.Event()
        if self._finished:  # cancelled before it ran
            self._finished_event.set()
            self._ready_event.set()
        if running_asyncio_loop() is not None:
            await self._run()
            return
        async with anyio.create_task_group() as self._helpers:  # hosts the Detached tasks
            await self._run()

    # -- internals --------------------------------------------------------------------

    async def _run(self) -> None:
        body = Detached(self._body, f"{self}::run", self._helpers)
        try:
            await self._wait_for_start()
            await self._finished_event.wait()  # type: ignore[union-attr]
        finally:
            with anyio.CancelScope(shield=True):
                if await self._shutdown(body):
                    self._release()

    async def _body(self) -> None:
        """The run's task group: the processors' workers and tasks."""
        async with anyio.create_task_group() as group:
            self._group_scope = group.cancel_scope
            runtime = self._runtime = TaskRuntime(self, group, self._observer_dispatch)
            self._event_runtime = runtime
            if not self._finished:
                # Outside the group's cancel scope, which re-cancels what it holds on every
                # loop iteration: a start() swallowing its cancellation would spin forever.
                self._starter = Detached(partial(self._start, runtime), f"{self}::start", self._helpers)
                await self._finished_event.wait()  # type: ignore[union-attr]
            group.cancel_scope.cancel()

    async def _wait_for_start(self) -> None:
        timeout = self._params.start_timeout_secs
        with anyio.move_on_after(timeout):
            await self._ready_event.wait()  # type: ignore[union-attr]
        if not self._ready_event.is_set():  # type: ignore[union-attr]
            holder = self._holder(lambda processor: processor.has_started)
            what = describe_processor(holder) if holder is not None else f"{self}: the pipeline"
            await self._fail(holder, f"{what} did not start within {timeout:g} s")

    async def _fail(self, processor: FrameProcessor | None, message: str) -> None:
        """End the run with a fatal error from ``processor``, as if it had pushed it."""
        frame = ErrorFrame(error=message, fatal=True, processor=processor)
        origin = processor or self._sink
        if self._deadline is None:  # reporting and cancelling share the ending's deadline
            self._deadline = anyio.current_time() + self._params.cancel_timeout_secs
        push = partial(origin.push_frame, frame, UPSTREAM)  # to the client (RTVI) and _on_upstream
        await finish_by(self._deadline, push, f"{self}::error", self._helpers)
        if self._fatal_error is None:  # it did not get through
            logger.error("%s: %s", self, message)
            self._fatal_error = frame
        await self.cancel(message)

    def _holder(self, reached: Callable[[FrameProcessor], bool]) -> FrameProcessor | None:
        """The processor furthest down the chain that a frame ``reached``: the one holding it."""
        found = None
        for processor in self._processors[:-1]:
            if reached(processor):
                found = processor
        return found

    async def _start(self, runtime: TaskRuntime) -> None:
        for processor in self._processors:
            try:
                await processor.setup(runtime)
            except Exception as exc:
                logger.exception("%s: setting up %s failed", self, processor)
                await self._fail(processor, f"{describe_processor(processor)} failed to set up: {exc}")
                return
        self._set_up = True
        params = self._params
        start = StartFrame(
            audio_in_sample_rate=params.audio_in_sample_rate,
            audio_out_sample_rate=params.audio_out_sample_rate,
            allow_interruptions=params.allow_interruptions,
            enable_metrics=params.enable_metrics,
            enable_usage_metrics=params.enable_usage_metrics,
            report_only_initial_ttfb=params.report_only_initial_ttfb,
        )
        start.metadata.update(params.start_metadata)
        await self._source.queue_frame(start, DOWNSTREAM)
        if not self._start_reached_end:
            if self._fatal_error is None:  # dropped without a word (a failed start() reports itself)
                holder = self._holder(lambda processor: processor.has_started)
                await self._fail(holder, f"{describe_processor(holder or self._source)} did not pass the StartFrame on")
            return
        self._started = True
        if params.enable_metrics and params.send_initial_empty_metrics:
            await self._source.queue_frame(self._initial_metrics(), DOWNSTREAM)
        pending, self._pending = self._pending, []
        for frame in pending:
            await self._source.queue_frame(frame, DOWNSTREAM)
        for observer in self._observer_dispatch.observers:
            await observer.on_pipeline_started()
        self._fire_event_handler("on_pipeline_started", start)
        self._ready_event.set()  # type: ignore[union-attr]

    def _initial_metrics(self) -> MetricsFrame:
        data: list[Any] = []
        for processor in self.processors:
            if processor.can_generate_metrics():
                data.append(TTFBMetricsData(processor.name, processor.model_name, 0.0))
                data.append(ProcessingMetricsData(processor.name, processor.model_name, 0.0))
        return MetricsFrame(data=data)

    def _finish(self, frame: Frame) -> None:
        if not self._finished:
            self._end_frame = frame
            self._finished = True
            if self._deadline is None:
                self._deadline = anyio.current_time() + self._params.cancel_timeout_secs
            for event in (self._finished_event, self._ready_event):
                if event is not None:
                    event.set()

    async def _shutdown(self, body: Detached) -> bool:
        """Stop everything and clean up, by the deadline (``cancel_timeout_secs``).

        Returns False when something was left behind (it still runs).
        """
        if not self._finished:  # run() itself was cancelled
            await self.cancel("the run was cancelled")
            self._finish(CancelFrame(reason="the run was cancelled"))
        deadline: float = self._deadline  # type: ignore[assignment]
        timeout = self._params.cancel_timeout_secs
        starter = self._starter
        if starter is not None:
            starter.cancel()
        if self._group_scope is not None:
            self._group_scope.cancel()
        stuck: list[str] = []
        if not await body.wait(deadline):
            body.cancel()
            stuck += [item for p in self._processors for item in p._still_running()]
            stuck.append(body.describe())
        if starter is not None and not await starter.wait(deadline):
            stuck.append(starter.describe())
        if stuck:
            logger.warning("%s: did not stop within %g s; left behind: %s", self, timeout, "; ".join(stuck))
        clean = not stuck
        if self._runtime is not None:
            stuck = await self._runtime.close(deadline)
            if stuck:
                clean = False
                logger.warning("%s: task(s) did not stop within %g s; left behind: %s", self, timeout, "; ".join(stuck))
        steps = self._cleanup_steps()
        while steps:  # in one task; after a step that does not return, the rest in another
            cleanup = _Steps(self, steps)
            left = await finish_by(deadline, cleanup.run, f"{self}::cleanup", self._helpers)
            if left is None:
                break
            clean = False
            cleanup.abandoned = True
            logger.warning(
                "%s: %s did not return within %g s; left behind: %s",
                self,
                steps[cleanup.index][0],
                timeout,
                left.describe(),
            )
            steps = steps[cleanup.index + 1 :]
        return clean

    def _release(self) -> None:
        """Break the run's reference cycles once all of it has stopped.

        The processors forget their neighbours and the runtime, the task's ends forget
        the task, and the handlers of the RTVI processor this task made (they close over
        the task: bot-ready, actions, a greeting) are dropped. Reference counting then
        frees the run when its owner lets go of the task, rather than the cyclic GC later.
        """
        for processor in self._processors:
            processor._detach()
        self._source._task = self._sink._task = None
        self._runtime = self._event_runtime = None
        self._group_scope = None
        self._starter = None
        if self._made_rtvi and self._rtvi is not None:
            for handlers in self._rtvi._event_handlers.values():
                handlers.clear()

    def _cleanup_steps(self) -> list[tuple[str, Callable[[], Any]]]:
        """What cleaning up the run does, in order."""
        steps: list[tuple[str, Callable[[], Any]]] = [(f"cleanup() of {p}", p.cleanup) for p in self._processors]
        steps += [(f"observer {o} at finish", o.on_pipeline_finished) for o in self._observer_dispatch.observers]
        steps += [
            (
                f"on_pipeline_finished handler {h!r}",
                partial(self._run_handler, "on_pipeline_finished", h, (self._end_frame,)),
            )
            for h in self._event_handlers["on_pipeline_finished"]
        ]
        return steps

    async def _on_downstream(self, frame: Frame) -> None:
        if isinstance(frame, (EndFrame, StopFrame, CancelFrame)):
            self._finish(frame)
        elif isinstance(frame, StartFrame):
            self._start_reached_end = True
        if self._reached_downstream and isinstance(frame, self._reached_downstream):
            await self._call_event_handler("on_frame_reached_downstream", frame)

    async def _on_upstream(self, frame: Frame) -> None:
        if isinstance(frame, InterruptionTaskFrame):
            await self._source.push_frame(InterruptionFrame(), DOWNSTREAM)
        elif isinstance(frame, EndTaskFrame):
            await self.queue_frame(EndFrame(reason=frame.reason))
        elif isinstance(frame, CancelTaskFrame):
            self._cancel_soon(frame.reason)
        elif isinstance(frame, ErrorFrame):
            logger.warning("%s: %s error: %s", self.name, frame.processor, frame.error)
            self._fire_event_handler("on_pipeline_error", frame)
            if frame.fatal:
                if self._fatal_error is None:
                    self._fatal_error = frame
                self._cancel_soon(frame.error)
        if self._reached_upstream and isinstance(frame, self._reached_upstream):
            await self._call_event_handler("on_frame_reached_upstream", frame)

    def _cancel_soon(self, reason: Any) -> None:
        if not (self._finished or self._cancelled):
            self._runtime.spawn(self.cancel, reason)  # type: ignore[union-attr]

    def __str__(self) -> str:
        return self.name
