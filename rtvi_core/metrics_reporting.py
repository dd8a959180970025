"""Timing and usage metrics that processors (services) report as MetricsFrames."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from .frames import MetricsFrame
from .metrics import (
    LLMTokenUsage,
    LLMUsageMetricsData,
    MetricsData,
    ProcessingMetricsData,
    STTUsageMetricsData,
    TTFBMetricsData,
    TTSUsageMetricsData,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from .direction import FrameDirection
    from .frames import Frame, StartFrame


class MetricsReporting:
    """Mixin of :class:`FrameProcessor`: time-to-first-byte, processing and usage.

    A service returns True from :meth:`can_generate_metrics` and brackets its work
    with ``start_*``/``stop_*`` calls; nothing is measured unless the task enables
    metrics (``PipelineParams(enable_metrics=True, enable_usage_metrics=True)``).
    """

    _metrics_enabled = False
    _usage_metrics_enabled = False
    _report_only_initial_ttfb = False
    _ttfb_reported = False
    _ttfb_start: float | None = None
    _processing_start: float | None = None
    #: The model name reported with metrics, when the service has one.
    model_name: str | None = None

    if TYPE_CHECKING:
        # what the mixin uses of FrameProcessor, the class it is part of

        @property
        def name(self) -> str: ...

        def push_frame(self, frame: Frame, direction: FrameDirection = ...) -> Awaitable[None]: ...

    def can_generate_metrics(self) -> bool:
        """True for processors that report metrics (services)."""
        return False

    @property
    def metrics_enabled(self) -> bool:
        """Whether timing metrics are on for this run."""
        return self._metrics_enabled and self.can_generate_metrics()

    @property
    def usage_metrics_enabled(self) -> bool:
        """Whether usage metrics are on for this run."""
        return self._usage_metrics_enabled and self.can_generate_metrics()

    def _metrics_setup(self, frame: StartFrame) -> None:
        if not self.can_generate_metrics():
            return  # nothing to measure: the class defaults stay (no per-instance copies)
        self._metrics_enabled = frame.enable_metrics
        self._usage_metrics_enabled = frame.enable_usage_metrics
        self._report_only_initial_ttfb = frame.report_only_initial_ttfb

    async def start_ttfb_metrics(self) -> None:
        """Start timing the time to first byte."""
        if self.metrics_enabled and not (self._report_only_initial_ttfb and self._ttfb_reported):
            self._ttfb_start = time.perf_counter()

    async def stop_ttfb_metrics(self) -> None:
        """Stop timing the time to first byte and report it (once per start)."""
        if self._ttfb_start is None:
            return
        value = time.perf_counter() - self._ttfb_start
        self._ttfb_start = None
        self._ttfb_reported = True
        await self._push_metrics(TTFBMetricsData(self.name, self.model_name, value))

    async def start_processing_metrics(self) -> None:
        """Start timing a unit of processing."""
        if self.metrics_enabled:
            self._processing_start = time.perf_counter()

    async def stop_processing_metrics(self) -> None:
        """Stop timing the unit of processing and report it."""
        if self._processing_start is None:
            return
        value = time.perf_counter() - self._processing_start
        self._processing_start = None
        await self._push_metrics(ProcessingMetricsData(self.name, self.model_name, value))

    async def start_llm_usage_metrics(self, tokens: LLMTokenUsage) -> None:
        """Report the token usage of an LLM inference."""
        if self.usage_metrics_enabled:
            await self._push_metrics(LLMUsageMetricsData(self.name, self.model_name, tokens))

    async def start_tts_usage_metrics(self, text: str) -> None:
        """Report the characters sent to a TTS service."""
        if self.usage_metrics_enabled:
            await self._push_metrics(TTSUsageMetricsData(self.name, self.model_name, len(text)))

    async def start_stt_usage_metrics(self, audio_seconds: float) -> None:
        """Report seconds of audio transcribed since the last report."""
        if self.usage_metrics_enabled:
            await self._push_metrics(STTUsageMetricsData(self.name, self.model_name, audio_seconds))

    async def _push_metrics(self, data: MetricsData) -> None:
        await self.push_frame(MetricsFrame(data=[data]))
