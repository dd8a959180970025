"""Tests for incremental sentence splitting (rtvi_core.services.text_aggregator)."""

from __future__ import annotations

import pytest

from rtvi_core.services.text_aggregator import SentenceAggregator


def split(chunks: list[str], **first: int) -> list[str]:
    """Feed chunks; return every sentence plus the flushed rest; check nothing is lost.

    ``first``: the first-chunk keywords (``first_clause_min_words``, ``first_chunk_max_words``).
    """
    aggregator = SentenceAggregator(**first)
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


# -- the first chunk of a reply: cut at a clause -------------------------------------------

CLAUSE = {"first_clause_min_words": 3}


def test_first_chunk_ends_at_a_clause_then_sentences():
    text = "The train leaves from platform three, and the ride takes forty minutes. Then, after that, you walk."
    assert split([text], **CLAUSE) == [
        "The train leaves from platform three, ",
        "and the ride takes forty minutes. ",
        "Then, after that, you walk.",
    ]


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("It opens at nine; the last entry is at five. Bye.", "It opens at nine; "),
        ("Here is the plan: we leave at noon. Bye.", "Here is the plan: "),
        ("It depends on traffic - usually an hour. Bye.", "It depends on traffic - "),
        ("It depends on traffic — usually an hour. Bye.", "It depends on traffic — "),
        ("It depends on traffic— usually an hour. Bye.", "It depends on traffic— "),
        ('He said "go now," and left. Bye.', 'He said "go now," '),
    ],
)
def test_clause_ends(text: str, first: str):
    assert split([text], **CLAUSE)[0] == first


def test_a_clause_with_too_few_words_is_not_cut():
    assert split(["Sure, I can help with that. Yes, it is, I think, open."], **CLAUSE) == [
        "Sure, I can help with that. ",
        "Yes, it is, I think, open.",
    ]


def test_no_clause_cut_inside_numbers_times_or_decimals():
    text = "It costs 3,500 dollars at 10:30 or 3.5 percent more. Bye."
    assert split([text], **CLAUSE) == ["It costs 3,500 dollars at 10:30 or 3.5 percent more. ", "Bye."]


def test_the_word_limit_cuts_the_first_chunk_between_words():
    text = "one two three four five six seven. Eight nine ten eleven twelve thirteen."
    assert split([text], first_chunk_max_words=4) == [
        "one two three four ",
        "five six seven. ",
        "Eight nine ten eleven twelve thirteen.",
    ]


def test_the_word_limit_never_cuts_after_an_abbreviation_or_initial():
    assert split(["We met Mr. Smith and J. Doe today. Bye."], first_chunk_max_words=3) == [
        "We met Mr. Smith ",
        "and J. Doe today. ",
        "Bye.",
    ]


def test_ellipsis_ends_the_first_chunk_as_a_sentence():
    assert split(["Well... let me think about it, okay. Bye."], **CLAUSE) == [
        "Well... ",
        "let me think about it, okay. ",
        "Bye.",
    ]


def test_a_sentence_end_before_the_clause_wins():
    assert split(["Good question. The museum opens at nine, on weekdays."], **CLAUSE) == [
        "Good question. ",
        "The museum opens at nine, on weekdays.",
    ]


def test_streamed_tokens_cut_like_whole_text_and_never_mid_word():
    text = "The ride to the airport, on a quiet day, takes forty minutes. Tickets are 3.5 dollars, cash only."
    whole = split([text], first_clause_min_words=3, first_chunk_max_words=6)
    tokens = [text[i : i + 3] for i in range(0, len(text), 3)]
    assert split(tokens, first_clause_min_words=3, first_chunk_max_words=6) == whole
    assert split(list(text), first_clause_min_words=3, first_chunk_max_words=6) == whole
    assert whole[0] == "The ride to the airport, "
    # A word still streaming is not cut: the comma waits for the whitespace after it.
    aggregator = SentenceAggregator(**CLAUSE)
    assert aggregator.aggregate("The ride to the airport") == []
    assert aggregator.aggregate(",") == []
    assert aggregator.aggregate(" on") == ["The ride to the airport, "]


def test_each_reply_gets_a_first_clause_again():
    aggregator = SentenceAggregator(**CLAUSE)
    assert aggregator.aggregate("One two three, four five, six. ") == ["One two three, ", "four five, six. "]
    assert aggregator.flush() is None
    assert aggregator.aggregate("Seven eight nine, ten. ") == ["Seven eight nine, ", "ten. "]
    aggregator.aggregate("Half a reply, cut")
    aggregator.reset()
    assert aggregator.aggregate("New one two, three. ") == ["New one two, ", "three. "]


def test_a_later_chunk_ends_at_a_clause_when_the_caller_asks():
    aggregator = SentenceAggregator(first_clause_min_words=2, first_chunk_max_words=3)
    assert aggregator.aggregate("One two, three four five six. Seven eight nine ten, ") == [
        "One two, ",
        "three four five six. ",
    ]
    # Asked for: the clause end is a cut (the word limit is the first chunk's only).
    assert aggregator.aggregate("eleven twelve thirteen fourteen", clause=True) == ["Seven eight nine ten, "]
    assert aggregator.aggregate(" fifteen, sixteen.") == []
    assert aggregator.aggregate(" Bye", clause=True) == ["eleven twelve thirteen fourteen fifteen, ", "sixteen. "]
    assert SentenceAggregator().aggregate("One two, three. ", clause=True) == ["One two, three. "]  # clauses off
