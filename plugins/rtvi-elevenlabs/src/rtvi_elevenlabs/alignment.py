"""``WordTimer``: the words of a sentence timed from ElevenLabs' character alignments.

ElevenLabs times every character it speaks, chunk by chunk. The words are the
sentence's own (split on whitespace, so ``bot-output`` shows exactly what was sent);
the *n*-th non-space character of the alignments is taken as the *n*-th non-space
character of the sentence, and a word starts when its first character does. Once
every non-space character of the sentence was timed, the sentence is complete.
"""

from __future__ import annotations

from rtvi_core.services.tts import WordTimestamp

from .messages import Alignment


class WordTimer:
    """Times the words of one sentence as its alignments arrive."""

    def __init__(self, sentence: str) -> None:
        self._starts: dict[int, str] = {}  # index of a word's first non-space char -> the word
        position = 0
        for word in sentence.split():
            self._starts[position] = word
            position += len(word)
        self._expected = position
        self._seen = 0  # non-space chars timed so far
        self._last = 0.0  # the latest start given, so that timings never go back

    @property
    def started(self) -> bool:
        """Whether any character was timed yet."""
        return self._seen > 0

    @property
    def complete(self) -> bool:
        """Whether every character of the sentence was timed."""
        return self._seen >= self._expected

    def feed(self, alignment: Alignment, chunk_start_secs: float) -> list[WordTimestamp]:
        """The words starting in a chunk whose audio starts ``chunk_start_secs`` into the sentence."""
        words = []
        for char, start_ms in zip(alignment.chars, alignment.starts_ms):
            if char.isspace() or not char:
                continue
            word = self._starts.get(self._seen)
            self._seen += 1
            if word is not None:
                self._last = max(self._last, chunk_start_secs + start_ms / 1000)
                words.append(WordTimestamp(word, self._last))
        return words
