"""Word timing from Piper's phoneme alignments.

Piper speaks phonemes; the text's words are recovered from the phoneme stream, where
espeak-ng puts a ``" "`` between words. A phoneme word starts at the first sample of
its first phoneme (the model reports samples per phoneme id). Text words map onto
phoneme words by index when both counts agree, proportionally when espeak-ng split
or merged words (``$20`` → "dollar twenty", ``Dr.`` → its own sentence).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import accumulate

#: piper.const's sentence-start and padding phonemes (importing piper.const would load
#: all of piper and onnxruntime).
BOS, PAD = "^", "_"


def phoneme_words(phonemes: Sequence[str]) -> list[int]:
    """Index in ``phonemes`` of the first phoneme of each spoken word."""
    starts: list[int] = []
    first: int | None = None
    for index, phoneme in enumerate([*phonemes, " "]):
        if phoneme == " ":
            if first is not None:
                starts.append(first)
            first = None
        elif first is None and phoneme.isalpha():
            first = index
    return starts


def word_start_samples(
    phonemes: Sequence[str],
    id_map: Mapping[str, Sequence[int]],
    id_samples: Sequence[int],
) -> list[int]:
    """The sample at which each phoneme word of one sentence starts.

    Follows piper's ``phonemes_to_ids`` layout: BOS, PAD, then each known phoneme's
    ids followed by PAD, then EOS; phonemes missing from ``id_map`` have no ids.
    """
    pad = len(id_map.get(PAD, ()))
    position = len(id_map.get(BOS, ())) + pad
    first_id: list[int] = []  # per phoneme: index of its first id
    for phoneme in phonemes:
        first_id.append(position)
        if phoneme in id_map:
            position += len(id_map[phoneme]) + pad
    offsets = [0, *accumulate(id_samples)]
    return [offsets[min(first_id[i], len(offsets) - 1)] for i in phoneme_words(phonemes)]


def assign_words(words: Sequence[str], counts: Sequence[int]) -> list[list[tuple[str, int]]]:
    """Spread text ``words`` over sentences holding ``counts`` phoneme words.

    Returns, per sentence, ``(word, phoneme word index in that sentence)``; every
    text word is assigned once, in order (none when no phoneme word was spoken).
    A word without letters or digits (``—``) shares the previous word's start.
    """
    total = sum(counts)
    plan: list[list[tuple[str, int]]] = [[] for _ in counts]
    if not total:
        return plan
    spoken = sum(1 for word in words if _is_spoken(word)) or 1
    bounds = [0, *accumulate(counts)]
    sentence = target = index = 0
    for word in words:
        if _is_spoken(word):
            target = index if spoken == total else index * total // spoken
            index += 1
        while target >= bounds[sentence + 1]:
            sentence += 1
        plan[sentence].append((word, target - bounds[sentence]))
    return plan


def _is_spoken(word: str) -> bool:
    return any(ch.isalnum() for ch in word)
