"""Text handling around espeak-ng: cleaning, cutting long text, words from word events."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from .library import WordEvent

#: Longest text given to espeak-ng in one call: the library is shared by every
#: session of the process, so one call must not hold it for long.
MAX_CHARS_PER_CALL = 200

_TOKEN = re.compile(r"\S+")
#: Where a long text is best cut: after clause punctuation, else at any space.
_CLAUSE_END = re.compile(r"[,;:)\]!?.]\s")
_SPACE = re.compile(r"\s")
#: Control characters (other than tab and newline): a NUL ends the text in C.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_text(text: str) -> str:
    """``text`` made safe for the C library: control characters become spaces (a NUL
    would end the text), lone surrogates become ``?``."""
    return _CONTROL.sub(" ", text.encode("utf-8", "replace").decode("utf-8"))


def split_for_synthesis(text: str, limit: int = MAX_CHARS_PER_CALL) -> Iterator[str]:
    """``text`` in pieces of at most ``limit`` characters, cut at clause ends or spaces.

    A single word longer than ``limit`` is cut where the limit falls.
    """
    while len(text) > limit:
        window = text[: limit + 1]
        cut = max((m.end() for m in _CLAUSE_END.finditer(window)), default=-1)
        if cut <= 0:
            cut = max((m.end() for m in _SPACE.finditer(window)), default=0) or limit
        piece, text = text[:cut].strip(), text[cut:].lstrip()
        if piece:
            yield piece
    if text.strip():
        yield text.strip()


def word_times(text: str, events: Iterable[WordEvent], sample_rate: int) -> list[tuple[str, float]]:
    """Each whitespace-separated word of ``text`` with the time (s) its audio starts.

    espeak-ng reports words without their punctuation, and several events for one
    token (numbers, abbreviations) or none (a lone symbol): a token takes the time
    of its first event; one without events takes the time of the word before it,
    so the words put together give back the text and the times never go back.
    """
    tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]
    starts: list[float | None] = [None] * len(tokens)
    index = 0
    for event in events:
        while index < len(tokens) and tokens[index][1] <= event.start:
            index += 1
        if index == len(tokens):
            break
        if starts[index] is None and tokens[index][0] <= event.start + max(event.length, 1) - 1:
            starts[index] = event.sample / sample_rate
    times: list[tuple[str, float]] = []
    last = 0.0
    for (_, _, word), start in zip(tokens, starts):
        last = max(last, start) if start is not None else last
        times.append((word, last))
    return times
