"""Incremental sentence splitting of streamed text (LLM tokens) for TTS."""

from __future__ import annotations

import re

#: A sentence end: terminators, optional closing quotes/brackets, then whitespace.
#: The whitespace run belongs to the sentence it ends.
_SENTENCE_END = re.compile(r"[.!?…。！？]+[\"'”’)\]]*\s+")
#: Closing characters (and terminators) that may still grow into a sentence end.
_OPEN_TAIL = re.compile(r"[.!?…。！？\"'”’)\]]*$")
#: Dotted single letters ("e.g", "U.S", "J") - abbreviations and initials.
_INITIALS = re.compile(r"(?:[^\W\d_]\.)*[^\W\d_]")

#: Words that a "." after them does not end a sentence (lower case, no final dot).
ABBREVIATIONS = frozenset({"mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "cf", "fig", "approx"})


class SentenceAggregator:
    """Cuts a stream of text chunks into sentences as soon as they are complete.

    A sentence ends at ``.``, ``!``, ``?`` or ``…`` (optionally followed by closing
    quotes or brackets) followed by whitespace. A ``.`` inside a number (``3.14``),
    after a common abbreviation (``Mr.``, ``e.g.``), after an initial (``J.``) or
    after a list number at the start of a sentence (``1.``) ends nothing. Text is
    kept exactly: the concatenation of every returned sentence and the final
    :meth:`flush` equals the concatenation of the input (the whitespace after a
    sentence end is part of that sentence).
    """

    __slots__ = ("_scan", "_text")

    def __init__(self) -> None:
        self._text = ""
        self._scan = 0  # where a sentence end may still be found in ``_text``

    @property
    def text(self) -> str:
        """The text received but not yet returned as a sentence."""
        return self._text

    def aggregate(self, text: str) -> list[str]:
        """Add a chunk; return the sentences it completed (often none)."""
        buffer = self._text + text
        sentences: list[str] = []
        start = 0
        pos = self._scan
        while True:
            match = _SENTENCE_END.search(buffer, pos)
            if match is None:
                break
            pos = match.end()
            if _continues_sentence(buffer, start, match.start(), match.group()):
                continue
            sentences.append(buffer[start:pos])
            start = pos
        rest = buffer[start:] if start else buffer
        self._text = rest
        # Only a trailing run of terminators/closers can become a sentence end later.
        tail = _OPEN_TAIL.search(rest, max(pos - start, 0))
        self._scan = tail.start() if tail else len(rest)
        return sentences

    def flush(self) -> str | None:
        """Return the pending text (end of the stream) and clear it; None if there is none."""
        text = self._text
        self.reset()
        return text or None

    def reset(self) -> None:
        """Drop the pending text (e.g. on an interruption)."""
        self._text = ""
        self._scan = 0


def _continues_sentence(buffer: str, start: int, end: int, terminator: str) -> bool:
    """Whether the single ``.`` at ``buffer[end]`` is not a sentence end."""
    if terminator[0] != "." or (len(terminator) > 1 and terminator[1] in ".…"):
        return False
    word_start = end
    while word_start > start and not buffer[word_start - 1].isspace():
        word_start -= 1
    word = buffer[word_start:end].lstrip("\"'“‘([")
    if not word:
        return False
    if word.isdigit():
        # "1. First item": a list number opening the sentence.
        return not buffer[start:word_start].strip()
    return word.lower() in ABBREVIATIONS or _INITIALS.fullmatch(word) is not None
