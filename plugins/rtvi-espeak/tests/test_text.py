"""Tests for the text helpers: cleaning, cutting long text, words from word events."""

from __future__ import annotations

from rtvi_espeak.library import WordEvent
from rtvi_espeak.text import MAX_CHARS_PER_CALL, clean_text, split_for_synthesis, word_times


def test_clean_text_removes_control_characters_and_lone_surrogates():
    assert clean_text("a\x00b\x1bc\x7fd\tе\n") == "a b c d\tе\n"
    assert clean_text("ok \ud800 then") == "ok ? then"
    assert clean_text("Café — ü") == "Café — ü"


def test_short_text_is_one_piece():
    assert list(split_for_synthesis("  Hello there.  ")) == ["Hello there."]
    assert list(split_for_synthesis("   ")) == []


def test_long_text_is_cut_at_clause_ends_then_spaces():
    clause = "and then the robot walked a bit further, "
    text = clause * 30
    pieces = list(split_for_synthesis(text))
    assert all(len(p) <= MAX_CHARS_PER_CALL for p in pieces) and len(pieces) > 2
    assert all(p.endswith(",") for p in pieces[:-1])  # cut after a comma
    assert " ".join(pieces) == text.strip()
    spaces = " ".join(["word"] * 300)
    pieces = list(split_for_synthesis(spaces, limit=50))
    assert all(len(p) <= 50 for p in pieces) and " ".join(pieces) == spaces
    lines = "\n".join(["word"] * 300)
    pieces = list(split_for_synthesis(lines, limit=50))
    assert all(len(p) <= 50 for p in pieces) and "\n".join(pieces) == lines


def test_a_word_longer_than_the_limit_is_cut_at_the_limit():
    assert list(split_for_synthesis("x" * 25, limit=10)) == ["x" * 10, "x" * 10, "x" * 5]


def test_word_times_keep_punctuation_and_take_the_first_event_of_a_token():
    text = "I have 1234 apples, - don't you?"
    events = [
        WordEvent(0, 1, 0),
        WordEvent(2, 4, 1000),
        WordEvent(7, 4, 2000),  # "1234" spoken as several words
        WordEvent(8, 4, 3000),
        WordEvent(8, 4, 4000),
        WordEvent(12, 6, 5000),  # "apples" without its comma
        WordEvent(22, 3, 7000),  # "don" of "don't"; "-" has no event
        WordEvent(28, 3, 8000),
    ]
    times = word_times(text, events, 1000)
    assert times == [
        ("I", 0.0), ("have", 1.0), ("1234", 2.0), ("apples,", 5.0),
        ("-", 5.0), ("don't", 7.0), ("you?", 8.0),
    ]  # fmt: skip


def test_word_times_never_go_back_and_cover_every_token():
    times = word_times("a b c", [WordEvent(2, 1, 500), WordEvent(0, 1, 900)], 1000)
    assert [w for w, _ in times] == ["a", "b", "c"]
    starts = [s for _, s in times]
    assert starts == sorted(starts)
    assert word_times("", [WordEvent(0, 1, 5)], 1000) == []
