"""``ReorderBuffer``: RTP payloads put back in sequence order, released as soon as they can be."""

from __future__ import annotations

from typing import Final, NamedTuple

#: Sequence numbers are 16-bit and wrap around.
_SEQ_MOD: Final = 1 << 16
_HALF: Final = 1 << 15


class Release(NamedTuple):
    """One payload to decode, after ``lost`` packets that never came (to conceal first)."""

    lost: int
    payload: bytes


class ReorderBuffer:
    """In-order delivery with a short wait for a missing packet, and no other delay.

    A packet that comes in order is released at once, with the packets it was the gap
    before. A packet after a gap is held until the gap fills, or until the oldest held
    packet waited ``window_secs`` (see :attr:`deadline`: the owner calls :meth:`expire`
    then) or more than ``max_held`` packets wait: then the gap is given up (its length is
    the next release's ``lost``). A packet at or behind what was released (a duplicate,
    one that came too late) is dropped. A new SSRC, or a sequence number more than
    ``max_jump`` away, starts a new stream (the held packets are dropped).
    """

    def __init__(self, window_secs: float, *, max_held: int = 16, max_jump: int = 100) -> None:
        self.window_secs = window_secs
        self.max_held = max_held
        self.max_jump = max_jump
        self._ssrc: int | None = None
        self._next = 0  # the sequence number expected next
        self._held: dict[int, tuple[bytes, float]] = {}  # sequence number → payload, arrival
        self.dropped = 0
        self.resets = 0

    @property
    def held(self) -> int:
        """Packets waiting behind a gap."""
        return len(self._held)

    @property
    def deadline(self) -> float | None:
        """When the oldest held packet has waited long enough (None: none waits)."""
        if not self._held:
            return None
        return min(arrival for _, arrival in self._held.values()) + self.window_secs

    def push(self, ssrc: int, seq: int, payload: bytes, now: float) -> list[Release]:
        """Take one packet that arrived at ``now``; returns what can be decoded now, in order."""
        seq %= _SEQ_MOD
        if ssrc != self._ssrc:
            self._restart(ssrc, seq)
        ahead = (seq - self._next) % _SEQ_MOD
        if ahead >= _HALF:  # behind: a duplicate or a late packet, unless the stream restarted
            if _SEQ_MOD - ahead <= self.max_jump:
                self.dropped += 1
                return []
            self._restart(ssrc, seq)
            ahead = 0
        elif ahead > self.max_jump:
            self._restart(ssrc, seq)
            ahead = 0
        if ahead == 0:
            self._next = (seq + 1) % _SEQ_MOD
            return [Release(0, payload), *self._in_order()]
        if seq in self._held:
            self.dropped += 1
            return []
        self._held[seq] = (payload, now)
        return self.expire(now)

    def expire(self, now: float) -> list[Release]:
        """Give up the gaps that held packets waited out (or that hold too many packets)."""
        released: list[Release] = []
        while self._held and (len(self._held) > self.max_held or self._waited(now)):
            first = min(self._held, key=lambda seq: (seq - self._next) % _SEQ_MOD)
            lost = (first - self._next) % _SEQ_MOD
            payload, _ = self._held.pop(first)
            self._next = (first + 1) % _SEQ_MOD
            released += [Release(lost, payload), *self._in_order()]
        return released

    def _waited(self, now: float) -> bool:
        deadline = self.deadline
        return deadline is not None and now >= deadline

    def _in_order(self) -> list[Release]:
        released = []
        while self._next in self._held:
            released.append(Release(0, self._held.pop(self._next)[0]))
            self._next = (self._next + 1) % _SEQ_MOD
        return released

    def _restart(self, ssrc: int, seq: int) -> None:
        if self._ssrc is not None:
            self.resets += 1
        self._ssrc = ssrc
        self._next = seq
        self._held.clear()
