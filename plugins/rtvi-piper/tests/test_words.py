"""Unit tests of word timing from phoneme alignments (no model needed)."""

from rtvi_piper.words import assign_words, phoneme_words, word_start_samples

# "ðə kˈæt." as piper phonemizes it: two words, a full stop.
PHONEMES = ["ð", "ə", " ", "k", "ˈ", "æ", "t", "."]
ID_MAP = {
    "^": [1],
    "_": [0],
    "$": [2],
    " ": [3],
    ".": [10],
    "ð": [41],
    "ə": [59],
    "k": [23],
    "ˈ": [120],
    "æ": [39],
    "t": [32],
}


def test_phoneme_words_start_at_their_first_letter():
    assert phoneme_words(PHONEMES) == [0, 3]
    assert phoneme_words([" ", ",", " ", "a", " ", " "]) == [3]
    assert phoneme_words([".", "!"]) == []
    assert phoneme_words([]) == []


def test_word_start_samples_follow_the_id_layout():
    # ids: ^ _ ð _ ə _ " " _ k _ ˈ _ æ _ t _ . _ $  (19 ids), 10 samples each but ð: 40
    samples = [10] * 19
    samples[2] = 40
    assert word_start_samples(PHONEMES, ID_MAP, samples) == [20, 110]


def test_word_start_samples_skip_phonemes_missing_from_the_map():
    phonemes = ["ð", "?", " ", "k"]  # "?" has no id: it takes no samples
    # ids: ^ _ ð _ " " _ k _ $
    assert word_start_samples(phonemes, ID_MAP, [1, 2, 3, 4, 5, 6, 7, 8, 9]) == [3, 21]


def test_assign_words_by_index_when_counts_agree():
    plan = assign_words(["Hello", "there.", "How", "are", "you?"], [2, 3])
    assert plan == [[("Hello", 0), ("there.", 1)], [("How", 0), ("are", 1), ("you?", 2)]]


def test_assign_words_proportionally_when_espeak_split_words():
    # "$20 now" → "dollar twenty now": 2 text words over 3 phoneme words.
    assert assign_words(["$20", "now"], [3]) == [[("$20", 0), ("now", 1)]]
    # "Dr. Smith is here" → "Doctor." + "Smith is here": words cross sentences.
    assert assign_words(["Dr.", "Smith", "is", "here"], [1, 3]) == [
        [("Dr.", 0)],
        [("Smith", 0), ("is", 1), ("here", 2)],
    ]
    # More text words than phoneme words: starts may repeat but never go back.
    plan = assign_words(["a", "b", "c", "d"], [2])
    assert [index for _, index in plan[0]] == [0, 0, 1, 1]


def test_words_without_letters_share_the_previous_start():
    assert assign_words(["nice", "—", "really"], [2]) == [[("nice", 0), ("—", 0), ("really", 1)]]
    assert assign_words(["—", "go"], [1]) == [[("—", 0), ("go", 0)]]


def test_nothing_spoken_assigns_nothing():
    assert assign_words(["?!"], [0]) == [[]]
    assert assign_words([], []) == []
