"""``PipelineTask``: one run of a pipeline, with RTVI wired in by default."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Iterable, Sequence

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
from .pipeline import Pipeline
from .processor import FrameProcessor
from .runtime import ObserverDispatch, TaskRuntime

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
        self._task = task

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        if direction is DOWNSTREAM:
            await super().process_frame(frame, direction)
            await self.push_frame(frame, direction)
        else:
            await self._task._on_upstream(frame)


class _TaskSink(FrameProcessor):
    """Tail of the chain: notices the end of the run."""

    def __init__(self, task: PipelineTask) -> None:
        super().__init__(name=f"{task.name}::sink")
        self._task = task

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        if direction is DOWNSTREAM:
            await self._task._on_downstream(frame)
        else:
            await super().process_frame(frame, direction)
            await self.push_frame(frame, direction)


class PipelineTask(EventHandlerMixin):
    """Runs a pipeline once: sends the StartFrame, takes queued frames, ends it.

    With ``enable_rtvi=True`` (the default) an :class:`RTVIProcessor` is put at the
    head of the pipeline (``task.rtvi``) and an :class:`RTVIObserver` is registered,
    and every ``client-ready`` is answered with ``bot-ready``.

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
        self._started = False
        self._finished = False
        self._finished_event: anyio.Event | None = None  # made in run(), inside the loop
        self._end_frame: Frame | None = None
        self._cancelled = False
        self._runtime: TaskRuntime | None = None

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

    async def queue_frame(self, frame: Frame) -> None:
        """Send ``frame`` downstream from the head of the pipeline."""
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
        """Stop the run now: a CancelFrame crosses the pipeline, queued frames are dropped."""
        if self._finished:
            return
        self._cancelled = True
        if not self._started:
            self._finish(CancelFrame(reason=reason))
            return
        with anyio.move_on_after(self._params.cancel_timeout_secs):
            await self._source.queue_frame(CancelFrame(reason=reason), DOWNSTREAM)
        self._finish(CancelFrame(reason=reason))

    async def run(self) -> None:
        """Run the pipeline until it ends or is cancelled."""
        if self._runtime is not None:
            raise RuntimeError(f"{self.name} has already been run; create a new task")
        try:
            async with anyio.create_task_group() as group:
                self._runtime = TaskRuntime(self, group, self._observer_dispatch)
                self._event_runtime = self._runtime
                self._finished_event = anyio.Event()
                if not self._finished:
                    await self._start(self._runtime)
                    await self._finished_event.wait()
                group.cancel_scope.cancel()
        finally:
            with anyio.CancelScope(shield=True):
                if self._runtime is not None:
                    await self._runtime.close()
                await self._cleanup()

    # -- internals --------------------------------------------------------------------

    async def _start(self, runtime: TaskRuntime) -> None:
        for processor in self._processors:
            await processor.setup(runtime)
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
        self._started = True
        if params.enable_metrics and params.send_initial_empty_metrics:
            await self._source.queue_frame(self._initial_metrics(), DOWNSTREAM)
        pending, self._pending = self._pending, []
        for frame in pending:
            await self._source.queue_frame(frame, DOWNSTREAM)
        for observer in self._observer_dispatch.observers:
            await observer.on_pipeline_started()
        self._fire_event_handler("on_pipeline_started", start)

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
            if self._finished_event is not None:
                self._finished_event.set()

    async def _cleanup(self) -> None:
        for processor in self._processors:
            try:
                await processor.cleanup()
            except Exception:
                logger.exception("%s: cleanup of %s failed", self.name, processor)
        for observer in self._observer_dispatch.observers:
            try:
                await observer.on_pipeline_finished()
            except Exception:
                logger.exception("%s: observer %s failed at finish", self.name, observer)
        await self._call_event_handler("on_pipeline_finished", self._end_frame)

    async def _on_downstream(self, frame: Frame) -> None:
        if isinstance(frame, (EndFrame, StopFrame, CancelFrame)):
            self._finish(frame)
        if self._reached_downstream and isinstance(frame, self._reached_downstream):
            await self._call_event_handler("on_frame_reached_downstream", frame)

    async def _on_upstream(self, frame: Frame) -> None:
        if isinstance(frame, InterruptionTaskFrame):
            await self._source.push_frame(InterruptionFrame(), DOWNSTREAM)
        elif isinstance(frame, EndTaskFrame):
            await self.queue_frame(EndFrame(reason=frame.reason))
        elif isinstance(frame, CancelTaskFrame):
            self._runtime.task_group.start_soon(self.cancel, frame.reason)  # type: ignore[union-attr]
        elif isinstance(frame, ErrorFrame):
            logger.warning("%s: %s error: %s", self.name, frame.processor, frame.error)
            self._fire_event_handler("on_pipeline_error", frame)
            if frame.fatal:
                self._runtime.task_group.start_soon(self.cancel, frame.error)  # type: ignore[union-attr]
        if self._reached_upstream and isinstance(frame, self._reached_upstream):
            await self._call_event_handler("on_frame_reached_upstream", frame)

    def __str__(self) -> str:
        return self.name
