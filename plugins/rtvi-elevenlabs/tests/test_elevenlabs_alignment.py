"""``WordTimer``: words timed from character alignments that split words across chunks."""

from __future__ import annotations

from rtvi_elevenlabs.alignment import WordTimer
from rtvi_elevenlabs.messages import Alignment

from rtvi_core.services.tts import WordTimestamp


def chunk(text: str, step_ms: float = 10) -> Alignment:
    return Alignment(chars=list(text), starts_ms=[n * step_ms for n in range(len(text))])


def test_a_word_split_across_chunks_starts_in_the_first() -> None:
    timer = WordTimer("Hello big world.")
    assert timer.feed(chunk(" Hello b"), 0.0) == [WordTimestamp("Hello", 0.01), WordTimestamp("big", 0.07)]
    assert not timer.complete
    assert timer.feed(chunk("ig world. "), 0.5) == [WordTimestamp("world.", 0.53)]
    assert timer.complete


def test_timings_never_go_back() -> None:
    timer = WordTimer("one two")
    assert timer.feed(chunk("one "), 1.0) == [WordTimestamp("one", 1.0)]
    # A chunk said to start earlier than the word before it: the word keeps the later time.
    assert timer.feed(chunk("two"), 0.2) == [WordTimestamp("two", 1.0)]


def test_the_words_are_the_sentence_s_even_when_the_characters_differ() -> None:
    timer = WordTimer("It costs $5.")
    words = timer.feed(chunk("It costs $5."), 0.0)
    assert [w.word for w in words] == ["It", "costs", "$5."]
    assert timer.complete


def test_extra_characters_beyond_the_sentence_are_ignored() -> None:
    timer = WordTimer("Hi.")
    assert timer.feed(chunk("Hi. Hi."), 0.0) == [WordTimestamp("Hi.", 0.0)]
    assert timer.complete
