"""``TurnTranscript``: the user's words of one turn, from Deepgram's interim and final results.

Deepgram finalizes a turn's audio in segments (``is_final``), and says when the
speaker paused (``speech_final``), when a ``Finalize`` was honoured (``from_finalize``)
or when words stopped (``UtteranceEnd``). The service gives the client one final
transcript per turn: the final segments joined, completed at one of those signals.
Each segment is taken once (a result for audio already finalized is ignored), and
interim text only ever shows in interim transcripts.
"""

from __future__ import annotations

from .messages import Results

#: Results ending this close to the finalized audio's end cover nothing new (seconds).
_EPSILON = 1e-3


class TurnTranscript:
    """Final segments of the current turn, and the interim text after them."""

    def __init__(self) -> None:
        self._segments: list[str] = []
        self._finalized_to = 0.0  # stream time up to which audio is finalized
        self._interim = ""

    @property
    def awaiting_words(self) -> bool:
        """Interim words were heard that no final segment holds yet."""
        return bool(self._interim)

    def interim(self, result: Results) -> str | None:
        """The turn's text so far with ``result`` (an interim); None when there is nothing new."""
        text = result.transcript.strip()
        if not text or result.end <= self._finalized_to + _EPSILON:
            return None
        self._interim = text
        return " ".join([*self._segments, text])

    def add_final(self, result: Results) -> bool:
        """Take a final segment; False when it covers only audio already finalized."""
        if result.end <= self._finalized_to + _EPSILON and result.duration > 0:
            return False
        self._finalized_to = max(self._finalized_to, result.end)
        self._interim = ""
        text = result.transcript.strip()
        if text:
            self._segments.append(text)
        return True

    def complete(self) -> str | None:
        """The turn's final transcript (None if nothing was said); starts the next turn."""
        text = " ".join(self._segments)
        self._segments.clear()
        self._interim = ""
        return text or None

    def new_stream(self) -> None:
        """A new connection counts time from 0: keep the segments, forget the interim."""
        self._finalized_to = 0.0
        self._interim = ""

    def discard(self) -> None:
        """Forget everything (the run was cancelled)."""
        self._segments.clear()
        self.new_stream()
