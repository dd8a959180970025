"""MetricsFrame records → the RTVI ``metrics`` message ``data`` (spec §9)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..metrics import (
    LLMUsageMetricsData,
    MetricsData,
    ProcessingMetricsData,
    STTUsageMetricsData,
    TTFBMetricsData,
    TTSUsageMetricsData,
)

__all__ = ["metrics_payload"]


def _entry(data: MetricsData, value: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"processor": data.processor}
    if data.model:
        entry["model"] = data.model
    entry["value"] = value
    return entry


def _usage(data: LLMUsageMetricsData) -> dict[str, Any] | None:
    usage = data.value
    if usage is None:
        return None
    return {key: value for key, value in vars(usage).items() if value is not None}


#: Metrics record class → (``data`` key, entry builder); other kinds are dropped.
_METRICS: dict[type, tuple[str, Callable[[Any], Any]]] = {
    TTFBMetricsData: ("ttfb", lambda d: _entry(d, d.value)),
    ProcessingMetricsData: ("processing", lambda d: _entry(d, d.value)),
    LLMUsageMetricsData: ("tokens", _usage),
    STTUsageMetricsData: ("stt_usage", lambda d: _entry(d, {"audio_seconds": d.value})),
    TTSUsageMetricsData: ("characters", lambda d: _entry(d, d.value)),
}


def metrics_payload(records: list[MetricsData]) -> dict[str, list[Any]]:
    """The ``metrics`` message ``data`` for ``records`` (spec §9; ``{}`` if none is reportable)."""
    payload: dict[str, list[Any]] = {}
    for record in records:
        kind = _METRICS.get(type(record))
        if kind is None:
            continue
        entry = kind[1](record)
        if entry is not None:
            payload.setdefault(kind[0], []).append(entry)
    return payload
