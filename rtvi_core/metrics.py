"""Metrics records carried by :class:`~rtvi_core.frames.MetricsFrame`."""

from __future__ import annotations

from .records import record


@record(eq=True)
class MetricsData:
    """A measurement reported by one processor (``model`` when known)."""

    processor: str
    model: str | None = None


@record(eq=True)
class TTFBMetricsData(MetricsData):
    """Time to first byte, in seconds."""

    value: float = 0.0


@record(eq=True)
class ProcessingMetricsData(MetricsData):
    """Processing time, in seconds."""

    value: float = 0.0


@record(eq=True)
class LLMTokenUsage:
    """Token counts of one LLM inference."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    cache_read_input_tokens: int | None = None
    cache_creation_input_tokens: int | None = None
    reasoning_tokens: int | None = None


@record(eq=True)
class LLMUsageMetricsData(MetricsData):
    """LLM token usage."""

    value: LLMTokenUsage | None = None


@record(eq=True)
class TTSUsageMetricsData(MetricsData):
    """Characters sent to a TTS service."""

    value: int = 0


@record(eq=True)
class STTUsageMetricsData(MetricsData):
    """Seconds of audio transcribed (an increment)."""

    value: float = 0.0
