"""``TurnAnalyzer``: the base of what decides, at a pause, whether the user's turn is over."""

from __future__ import annotations

from abc import ABC, abstractmethod


class TurnAnalyzer(ABC):
    """Decides at each pause in the user's speech whether the user's turn is over.

    A :class:`~rtvi_core.services.user_turns.UserTurnProcessor` asks it when a final
    transcript arrives after the VAD's stop (a short pause: the VAD's own ``stop_secs``).
    When it answers no, the turn waits until ``stop_secs`` of silence have passed since
    the end of speech (or the user goes on). Subclasses implement :meth:`turn_complete`.
    """

    def __init__(self, *, stop_secs: float = 0.8) -> None:
        if stop_secs < 0:
            raise ValueError(f"stop_secs must be >= 0, got {stop_secs}")
        self._stop_secs = stop_secs

    @property
    def stop_secs(self) -> float:
        """The longest pause a turn that is not complete bridges: it ends this long after the end
        of speech, plus the VAD's ``start_secs`` (the time the VAD takes to confirm speech)."""
        return self._stop_secs

    @abstractmethod
    async def turn_complete(self, transcript: str) -> bool:
        """Whether ``transcript`` (the turn's final transcripts so far, joined; their last
        :data:`~rtvi_core.services.user_turns.ANALYZED_CHARS` characters) is a whole
        utterance: the turn may end at this pause."""

    async def wait_secs(self, transcript: str) -> float:
        """How long after the end of speech the turn paused on ``transcript`` ends unless the
        user goes on: 0 ends it at the pause, :attr:`stop_secs` at most. Called with each final
        transcript of a paused turn; by default 0 when :meth:`turn_complete`, else ``stop_secs``.
        Override it for a verdict between the two (an utterance that is likely, not surely, whole)."""
        return 0.0 if await self.turn_complete(transcript) else self._stop_secs
