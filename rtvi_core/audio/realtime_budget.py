"""``RealtimeBudget``: how far a stream of input audio may run ahead of real time."""

from __future__ import annotations


class RealtimeBudget:
    """A token bucket counted in seconds of audio.

    It holds up to ``burst_secs`` and refills at ``max_speed`` seconds of audio per
    second of wall clock: a client may send ``burst_secs`` of audio at once (audio it
    buffered while connecting, network jitter), then at most ``max_speed`` × real time.
    The bucket starts full; ``now`` is a monotonic clock reading in seconds.
    """

    __slots__ = ("_last", "_secs", "burst_secs", "max_speed")

    def __init__(self, max_speed: float, burst_secs: float, now: float) -> None:
        if max_speed <= 0 or burst_secs <= 0:
            raise ValueError(f"max_speed and burst_secs must be positive, got {max_speed}, {burst_secs}")
        self.max_speed = max_speed
        self.burst_secs = burst_secs
        self._secs = burst_secs
        self._last = now

    def take(self, secs: float, now: float) -> bool:
        """Spend ``secs`` of audio if the budget holds them (else spend nothing)."""
        available = min(self.burst_secs, self._secs + (now - self._last) * self.max_speed)
        self._last = now
        if available < secs:
            self._secs = available
            return False
        self._secs = available - secs
        return True
