"""``GatewayMetrics``: the gateway's Prometheus metrics, served at ``GET /metrics``.

* ``rtvi_start_requests_total{outcome}``: ``POST /start`` answered, by outcome (``ok``,
  ``full``, ``unavailable`` (Redis unreachable), ``unknown_bot``, ``bad_request``,
  ``rate_limited``, ``unauthorized``);
* ``rtvi_dispatch_seconds``: how long answering a ``/start`` took (the reservation in
  Redis included), whatever its outcome.

The names are those the workers' metrics use, so one dashboard reads both. Each gateway
keeps them in a registry of its own (not the process-wide default one).
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

#: ``/start`` outcome of each refusal status that carries no outcome of its own.
OUTCOMES_BY_STATUS = {200: "ok", 400: "bad_request", 401: "unauthorized", 404: "unknown_bot", 429: "rate_limited"}
#: Buckets of ``rtvi_dispatch_seconds``: a Redis round trip is a millisecond or so.
DISPATCH_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class GatewayMetrics:
    """The gateway's counters and histogram, in their own registry."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.start_requests = Counter(
            "rtvi_start_requests", "POST /start answered, by outcome", ["outcome"], registry=self.registry
        )
        self.dispatch_seconds = Histogram(
            "rtvi_dispatch_seconds", "Time to answer a POST /start", buckets=DISPATCH_BUCKETS, registry=self.registry
        )

    def observe(self, outcome: str, seconds: float) -> None:
        """One ``/start`` answered with ``outcome`` in ``seconds``."""
        self.start_requests.labels(outcome=outcome).inc()
        self.dispatch_seconds.observe(seconds)

    def exposition(self) -> bytes:
        """The metrics in the Prometheus text format."""
        return generate_latest(self.registry)
