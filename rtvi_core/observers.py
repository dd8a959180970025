"""Observers see every frame hop of a task without being part of the pipeline."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from .direction import FrameDirection
    from .frames import Frame
    from .processor import FrameProcessor


class FramePushed:
    """One hop: ``source`` pushed ``frame`` to ``destination`` in ``direction``.

    ``timestamp`` is nanoseconds on the task's clock. (A plain slotted class rather
    than a dataclass: one is built per observed hop.)
    """

    __slots__ = ("destination", "direction", "frame", "source", "timestamp")

    def __init__(
        self,
        source: FrameProcessor,
        destination: FrameProcessor,
        frame: Frame,
        direction: FrameDirection,
        timestamp: int,
    ) -> None:
        self.source = source
        self.destination = destination
        self.frame = frame
        self.direction = direction
        self.timestamp = timestamp

    def __repr__(self) -> str:
        return f"FramePushed({self.source} -> {self.destination}: {self.frame}, {self.direction.name})"


class BaseObserver:
    """Base class for observers.

    :meth:`on_push_frame` runs inline at every hop of the frames it wants, so it
    must be quick: hand slow work to a task. Set :attr:`frame_types` to the frame
    classes you care about (subclasses included); other frames cost a dict lookup.
    """

    #: Frame classes this observer wants; ``None`` means every frame.
    frame_types: ClassVar[tuple[type, ...] | None] = None

    #: If set, a frame whose ``__dict__`` holds this key is done for this observer:
    #: later hops of it are not passed to :meth:`on_push_frame` (a cheap dedupe for
    #: observers that report each frame once; the observer sets the key itself).
    seen_key: str | None = None

    async def on_push_frame(self, data: FramePushed) -> None:
        """Called when a processor pushes a frame this observer wants."""

    async def on_pipeline_started(self) -> None:
        """Called once the task's StartFrame has gone through the pipeline."""

    async def on_pipeline_finished(self) -> None:
        """Called when the task has finished (ended, cancelled or failed)."""

    def wants(self, frame_type: type) -> bool:
        """Whether frames of ``frame_type`` are passed to :meth:`on_push_frame`."""
        types = self.frame_types
        return types is None or issubclass(frame_type, types)
