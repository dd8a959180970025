"""``PlaybackClock``: how far a TTS service's pushed audio runs ahead of the client's playback."""

from __future__ import annotations

import time
from collections import deque

import anyio


class PlaybackClock:
    """Estimates when each synthesized chunk ends playing, to bound synthesis ahead of playback.

    The output transport plays audio at real time from when it arrives, so a chunk's
    audio ends playing at ``max(now, end of the audio before) + its duration``. A
    service calls :meth:`add` for each piece of audio it pushes and :meth:`chunk_done`
    after each chunk (a sentence), and :meth:`wait_for_room` before synthesizing the
    next: it returns once at most ``lookahead`` chunks are still to be played (None:
    at once, no bound). So while chunk k plays, chunk k+1 is synthesized, and with
    ``lookahead = 1`` chunk k+2 waits until k has played.
    """

    __slots__ = ("_ends", "_lookahead", "_playing_until")

    def __init__(self, lookahead: int | None) -> None:
        self._lookahead = lookahead
        self._playing_until = 0.0  # monotonic time the audio pushed so far ends playing
        self._ends: deque[float] = deque()  # when each pushed chunk ends playing, in order

    @property
    def lookahead(self) -> int | None:
        """Chunks synthesized ahead of the one playing (None: no bound)."""
        return self._lookahead

    def add(self, seconds: float, now: float) -> None:
        """Audio of ``seconds`` was pushed at monotonic time ``now``."""
        self._playing_until = max(self._playing_until, now) + seconds

    def remaining(self, now: float) -> float:
        """Seconds of the audio pushed that are still to play at ``now``."""
        return max(self._playing_until - now, 0.0)

    def chunk_done(self) -> None:
        """The chunk being synthesized is complete: it ends playing with the audio pushed so far."""
        if self._lookahead is not None and self._playing_until:
            self._ends.append(self._playing_until)

    def ahead(self, now: float) -> int:
        """Chunks pushed whose audio has not finished playing at ``now``."""
        ends = self._ends
        while ends and ends[0] <= now:
            ends.popleft()
        return len(ends)

    async def wait_for_room(self) -> None:
        """Return once fewer than ``lookahead + 1`` chunks are still to be played."""
        if self._lookahead is None:
            return
        while self.ahead(now := time.monotonic()) > self._lookahead:
            await anyio.sleep(self._ends[0] - now)

    def reset(self) -> None:
        """Forget the audio pushed (an interruption dropped it)."""
        self._playing_until = 0.0
        self._ends.clear()
