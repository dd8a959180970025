"""Incremental sentence splitting of streamed text (LLM tokens) for TTS.

The first chunk of a reply may end sooner, at a clause boundary, so that its audio
starts sooner; the rest is cut at sentence ends, where prosody allows a pause.
"""

from __future__ import annotations

import re

#: A sentence end: terminators, optional closing quotes/brackets, then whitespace.
#: The whitespace run belongs to the sentence it ends.
_SENTENCE_END = re.compile(r"[.!?…。！？]+[\"'”’)\]]*\s+")
#: Closing characters (and terminators) that may still grow into a sentence end.
_OPEN_TAIL = re.compile(r"[.!?…。！？\"'”’)\]]*$")
#: A word that ends a clause: ``,`` ``;`` ``:`` or an en/em dash (optionally closed by
#: quotes/brackets), or a dash standing alone; it is cut after only when whitespace
#: follows ("3,5" and "10:30" are single words).
_CLAUSE_END = re.compile(r"(?:[,;:–—]|^-+)[\"'”’)\]]*$")
#: A word followed by whitespace (the whitespace ends it: a word still streaming is not cut).
_WORD_SPACE = re.compile(r"\S+\s+")
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

    The first chunk after a reset (a reply's first) may end sooner: at a clause end
    (``,`` ``;`` ``:``, a spaced dash) once it holds ``first_clause_min_words`` words,
    or after ``first_chunk_max_words`` words; both only after the whitespace that
    follows a word, so a word is never cut. 0 turns either off (the default: sentences
    only).
    """

    __slots__ = ("_first", "_max_words", "_min_words", "_scan", "_text")

    def __init__(self, *, first_clause_min_words: int = 0, first_chunk_max_words: int = 0) -> None:
        self._text = ""
        self._scan = 0  # where a sentence end may still be found in ``_text``
        self._min_words = first_clause_min_words
        self._max_words = first_chunk_max_words
        self._first = bool(first_clause_min_words or first_chunk_max_words)  # the first chunk is still open

    @property
    def text(self) -> str:
        """The text received but not yet returned as a sentence."""
        return self._text

    def aggregate(self, text: str, *, clause: bool = False) -> list[str]:
        """Add a chunk; return the sentences it completed (often none).

        ``clause``: the next chunk may end at a clause end too, as a reply's first does
        (without the word limit): the caller's audio is running short.
        """
        buffer = self._text + text
        sentences: list[str] = []
        start = 0
        pos = self._scan
        if self._first or (clause and self._min_words):
            cut = self._first_cut(buffer, word_limit=self._first)
            if cut is None:
                self._text, self._scan = buffer, 0
                return sentences
            self._first = False
            sentences.append(buffer[:cut])
            start = pos = cut
        while True:
            end, pos = _sentence_end(buffer, start, pos)
            if end is None:
                break
            sentences.append(buffer[start:end])
            start = end
        rest = buffer[start:] if start else buffer
        self._text = rest
        # Only a trailing run of terminators/closers can become a sentence end later.
        tail = _OPEN_TAIL.search(rest, max(pos - start, 0))
        self._scan = tail.start() if tail else len(rest)
        return sentences

    def _first_cut(self, buffer: str, *, word_limit: bool) -> int | None:
        """Where the next chunk ends: a sentence end, or sooner at a clause end (or the word limit)."""
        end, _ = _sentence_end(buffer, 0, 0)
        words = 0
        for match in _WORD_SPACE.finditer(buffer, 0, len(buffer) if end is None else end):
            token = match.group().rstrip()
            if any(char.isalnum() for char in token):
                words += 1
            if token.endswith("."):  # an abbreviation or an initial ("Mr.", "J."): never cut after
                continue
            if word_limit and self._max_words and words >= self._max_words:
                return match.end()
            if self._min_words and words >= self._min_words and _CLAUSE_END.search(token):
                return match.end()
        return end

    def flush(self) -> str | None:
        """Return the pending text (end of the stream) and clear it; None if there is none."""
        text = self._text
        self.reset()
        return text or None

    def reset(self) -> None:
        """Drop the pending text (e.g. on an interruption); the next chunk is a reply's first again."""
        self._text = ""
        self._scan = 0
        self._first = bool(self._min_words or self._max_words)


def _sentence_end(buffer: str, start: int, pos: int) -> tuple[int | None, int]:
    """The end of the sentence starting at ``start`` (searched from ``pos``), or None; and
    how far the search went (ends that continue the sentence are passed over)."""
    while (match := _SENTENCE_END.search(buffer, pos)) is not None:
        pos = match.end()
        if not _continues_sentence(buffer, start, match.start(), match.group()):
            return pos, pos
    return None, pos


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
