"""Pipeline lifecycle frames: start, end, cancel, errors, interruptions, metrics."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..records import field
from ..records import record as frame_dataclass
from .base import ControlFrame, SystemFrame

if TYPE_CHECKING:
    from ..metrics import MetricsData
    from ..processor import FrameProcessor


@frame_dataclass
class StartFrame(SystemFrame):
    """The first frame of every pipeline run; carries the run's settings."""

    audio_in_sample_rate: int = 16000
    audio_out_sample_rate: int = 24000
    allow_interruptions: bool = True
    enable_metrics: bool = False
    enable_usage_metrics: bool = False
    report_only_initial_ttfb: bool = False


@frame_dataclass
class EndFrame(ControlFrame):
    """Ends the pipeline after everything queued before it has been processed."""

    interruptible = False
    reason: Any = None


@frame_dataclass
class StopFrame(ControlFrame):
    """Stops processing like :class:`EndFrame` but leaves processors set up."""

    interruptible = False


@frame_dataclass
class CancelFrame(SystemFrame):
    """Stops the pipeline at once, dropping whatever is queued."""

    reason: Any = None


@frame_dataclass
class InterruptionFrame(SystemFrame):
    """Interrupts the bot: processors drop queued frames and cancel in-flight work."""


@frame_dataclass
class ErrorFrame(SystemFrame):
    """An error; pushed upstream it reaches the RTVI processor and the task.

    A ``fatal`` error ends the session (the client receives ``error`` with
    ``fatal: true`` and the task is cancelled).
    """

    error: str
    fatal: bool = False
    processor: FrameProcessor | None = field(default=None, repr=False)
    exception: BaseException | None = field(default=None, repr=False)


@frame_dataclass
class FatalErrorFrame(ErrorFrame):
    """An error that ends the session."""

    fatal: bool = True


@frame_dataclass
class MetricsFrame(SystemFrame):
    """Timing and usage measurements from processors."""

    data: list[MetricsData]


@frame_dataclass
class EndTaskFrame(ControlFrame):
    """Pushed upstream: asks the task to end gracefully (queue an :class:`EndFrame`)."""

    interruptible = False
    reason: Any = None


@frame_dataclass
class CancelTaskFrame(SystemFrame):
    """Pushed upstream: asks the task to cancel the pipeline."""

    reason: Any = None


@frame_dataclass
class InterruptionTaskFrame(SystemFrame):
    """Pushed upstream: asks the task to send an :class:`InterruptionFrame` from the top."""
