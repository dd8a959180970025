"""Tests for incremental sentence splitting (rtvi_core.services.text_aggregator)."""

from __future__ import annotations

import pytest

from rtvi_core.services.text_aggregator import SentenceAggregator


def split(chunks: list[str]) -> list[str]:
    """Feed chunks; return every sentence plus the flushed rest; check nothing is lost."""
    aggregator = SentenceAggregator()
    out: list[str] = []
    for chunk in chunks:
        out.extend(aggregator.aggregate(chunk))
    rest = aggregator.flush()
    if rest is not None:
        out.append(rest)
    assert "".join(out) == "".join(chunks)
    return out


def test_basic_sentences_keep_their_spacing():
    assert split(["Hello there. How are you? I'm fine!"]) == [
        "Hello there. ",
        "How are you? ",
        "I'm fine!",
    ]


def test_sentence_is_returned_as_soon_as_it_is_complete():
    aggregator = SentenceAggregator()
    assert aggregator.aggregate("Hello") == []
    assert aggregator.aggregate(" world.") == []  # could still be "world.com"
    assert aggregator.aggregate(" Next") == ["Hello world. "]
    assert aggregator.text == "Next"
    assert aggregator.aggregate(" one!\n") == ["Next one!\n"]
    assert aggregator.text == ""
    assert aggregator.flush() is None


def test_token_stream_gives_same_result_as_whole_text():
    text = "Dr. Smith paid $3.14 for it, e.g. a pie. Really?! Yes... I think so. Ok"
    tokens = [text[i : i + 3] for i in range(0, len(text), 3)]
    expected = [
        "Dr. Smith paid $3.14 for it, e.g. a pie. ",
        "Really?! ",
        "Yes... ",
        "I think so. ",
        "Ok",
    ]
    assert split([text]) == expected
    assert split(tokens) == expected
    assert split(list(text)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Pi is 3.14159 roughly",
        "Ask Mr. Brown and Mrs. Green",
        "Use tools, e.g. hammers, i.e. heavy ones",
        "Written by J. R. R. Tolkien",
        "Made in the U.S. by hand",
        "See example.com for details",
    ],
)
def test_no_split_inside(text):
    assert split([text]) == [text]


def test_list_numbers_do_not_end_sentences_but_counts_do():
    assert split(["1. First item. 2. Second item."]) == ["1. First item. ", "2. Second item."]
    assert split(["I have 3. Then more."]) == ["I have 3. ", "Then more."]


def test_closing_quotes_and_brackets_stay_with_the_sentence():
    assert split(['He said "stop." Then (he left.) Done']) == [
        'He said "stop." ',
        "Then (he left.) ",
        "Done",
    ]


def test_ellipsis_and_unicode_terminators():
    assert split(["Well… maybe. 好的。 Next"]) == ["Well… ", "maybe. ", "好的。 ", "Next"]


def test_terminator_split_across_chunks():
    assert split(["Wait", "?", "!", " ", "Go"]) == ["Wait?! ", "Go"]
    assert split(["Mr", ".", " Smith. ", "Hi"]) == ["Mr. Smith. ", "Hi"]


def test_whitespace_only_rest_is_flushed_verbatim_and_reset_clears():
    aggregator = SentenceAggregator()
    assert aggregator.aggregate("One. ") == ["One. "]
    assert aggregator.aggregate("  ") == []
    assert aggregator.flush() == "  "
    aggregator.aggregate("Half a sente")
    aggregator.reset()
    assert aggregator.text == ""
    assert aggregator.aggregate("New. Text") == ["New. "]
