"""``ServerMetrics``: the metrics of one session server, in a registry of their own.

Every metric carries the ``bot`` label (``[bot] name``); the session counters carry the
``transport`` that served the session too. All other labels take values from the small
fixed sets of :mod:`rtvi_prometheus.labels`, so a scrape stays the same size however
many sessions and requests come. The registry also holds the process's default
collectors (CPU, memory, open files, GC, Python version).
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector

#: Seconds: from a fast local answer to a slow cloud provider (voice latency histograms).
VOICE_BUCKETS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0)
#: Seconds: ``POST /start`` answers in about a millisecond on one machine, more through a cluster.
DISPATCH_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class ServerMetrics:
    """The metrics of one server of the bot ``bot``; :attr:`registry` is what ``/metrics`` shows.

    The histograms are bound to ``bot`` already (``observe(seconds)``); the counters take
    ``.labels(bot, ...)``.

    ``active`` and ``capacity`` are read at each scrape (the server's live sessions and
    ``max_sessions``), so the gauges never drift from the server's own count.
    """

    def __init__(self, bot: str, *, active: Callable[[], float], capacity: Callable[[], float]) -> None:
        self.bot = bot
        self.registry = registry = CollectorRegistry(auto_describe=True)
        for collector in (ProcessCollector, PlatformCollector, GCCollector):
            collector(registry=registry)
        labels = ("bot",)
        self.start_requests = Counter(
            "rtvi_start_requests", "POST /start requests by outcome", (*labels, "outcome"), registry=registry
        )
        self.dispatch_seconds = Histogram(
            "rtvi_dispatch_seconds", "Time to answer POST /start", labels, buckets=DISPATCH_BUCKETS, registry=registry
        ).labels(bot)
        Gauge("rtvi_sessions_active", "Sessions running now", labels, registry=registry).labels(bot).set_function(
            active
        )
        Gauge("rtvi_sessions_max", "Sessions the server admits at most", labels, registry=registry).labels(
            bot
        ).set_function(capacity)
        self.sessions_started = Counter(
            "rtvi_sessions_started", "Sessions started", (*labels, "transport"), registry=registry
        )
        self.sessions_ended = Counter(
            "rtvi_sessions_ended", "Sessions ended, by reason", (*labels, "transport", "reason"), registry=registry
        )
        self.errors = Counter("rtvi_errors", "Errors, by type", (*labels, "type"), registry=registry)
        self.stt_seconds = self._voice("rtvi_stt_seconds", "User stopped speaking (VAD) to the final transcript")
        self.llm_first_token_seconds = self._voice(
            "rtvi_llm_first_token_seconds", "LLM response started to its first token"
        )
        self.tts_first_audio_seconds = self._voice(
            "rtvi_tts_first_audio_seconds", "TTS started speaking a response to its first audio"
        )
        self.voice_to_voice_seconds = self._voice(
            "rtvi_voice_to_voice_seconds", "End of the user's speech to the bot's first audio out"
        )

    def _voice(self, name: str, documentation: str) -> Histogram:
        return Histogram(name, documentation, ("bot",), buckets=VOICE_BUCKETS, registry=self.registry).labels(self.bot)
