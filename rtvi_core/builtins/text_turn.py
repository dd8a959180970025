"""``TextTurnAnalyzer``: ends a turn when the transcript reads as a whole utterance.

The rule (:func:`utterance_complete`), over the punctuated text an STT such as Whisper
gives: an utterance is complete when it ends with ``.``, ``!`` or ``?`` and its last
word is not one that leaves it open — a conjunction, a preposition, an article or
possessive, a contracted auxiliary, a filler ("I'd like to book a table for.", "and
then.", "um."). A question may end on a preposition ("Who is it for?") except "to" (Whisper
writes "Can you remind me to?" for a request that trails off; "Who are you talking to?"
waits the longer silence), never on the others ("Is that your?"; "And?" alone is one).
An ellipsis, a comma or a dash at the end: not complete; no terminal punctuation: not
complete either, unless ``require_punctuation`` is off (an STT that does not punctuate):
then the last word alone decides. With it on, a transcript that lacks only the terminal
punctuation (its last word does not leave it open: Whisper's finals now and then end so,
"turn off my lights") is likely whole: :class:`TextTurnAnalyzer` ends that turn after a
shorter silence (``unpunctuated_secs``) than one that trails off.
"""

from __future__ import annotations

import re

from ..component import Component, LazyConfig
from ..services.turn_analyzer import TurnAnalyzer

#: Words that leave an utterance open (lower case, ``'`` apostrophes), in a question too.
CONJUNCTIONS = frozenset({"and", "or", "but", "nor", "because", "cause", "if", "although", "unless", "whether", "than"})
DETERMINERS = frozenset({"a", "an", "the", "my", "your", "our", "their", "its", "every"})
#: Contracted auxiliaries and the like ("I'm", "let's").
CONTRACTIONS = frozenset(
    {
        "i'm", "i'd", "i'll", "i've", "we're", "we'll", "we'd", "we've", "you're", "you'll", "you'd",
        "they're", "they'll", "it's", "that's", "there's", "what's", "here's", "let's", "he's", "she's",
        "gonna", "wanna", "gotta",
    }
)  # fmt: skip
#: Prepositions that take what follows: they leave a statement open, a question only for "to".
PREPOSITIONS = frozenset(
    {
        "to", "for", "of", "at", "with", "from", "into", "onto", "about", "between", "toward", "towards",
        "via", "per", "like", "as",
    }
)  # fmt: skip
#: Hesitations: the user is thinking, not done.
FILLERS = frozenset({"um", "umm", "uh", "uhh", "uhm", "er", "erm", "ah", "eh", "hmm", "mm", "mhm"})
#: Two-word endings that leave an utterance open.
TRAILING_PAIRS = frozenset({("and", "then"), ("you", "know"), ("i", "mean"), ("kind", "of"), ("sort", "of")})
#: What closes a sentence, and an open ending (before the closing punctuation is looked at).
TERMINAL = (".", "!", "?")
OPEN_ENDINGS = ("...", "…", ",", ";", ":", "-", "–", "—")

_CLOSERS = "\"')]}»”’ "
_WORDS = re.compile(r"[\w']+")


def utterance_complete(text: str, *, require_punctuation: bool = True) -> bool:
    """Whether ``text`` reads as a whole utterance (see the module's rule)."""
    text = text.strip().rstrip(_CLOSERS)
    if not text or text.endswith(OPEN_ENDINGS) or (require_punctuation and not text.endswith(TERMINAL)):
        return False
    words: list[str] = _WORDS.findall(text.lower().replace("’", "'"))
    if not words:
        return False
    last = words[-1]
    if last in FILLERS or last in DETERMINERS or last in CONTRACTIONS:
        return False
    if last in CONJUNCTIONS:
        return len(words) == 1 and text.endswith("?")  # "And?"
    if text.endswith("?"):
        return last != "to"  # "Can you remind me to?": a verb is missing more often than not
    return last not in PREPOSITIONS and tuple(words[-2:]) not in TRAILING_PAIRS


class TextTurnAnalyzer(TurnAnalyzer, Component):
    """Ends the turn at a pause when the transcript so far is a whole utterance
    (:func:`utterance_complete`); else waits ``stop_secs`` from the end of speech, or
    ``unpunctuated_secs`` when only the terminal punctuation is missing.

    ``require_punctuation=False``: a transcript without terminal punctuation is judged by
    its last word alone, at the pause (for an STT that does not punctuate).
    """

    PLUGIN_NAME = "text"
    DESCRIPTION = "ends a turn at a short pause when the transcript reads as a whole utterance"
    Config = LazyConfig("rtvi_core.builtins.plugin:TextTurnConfig")

    def __init__(
        self, *, stop_secs: float = 0.8, require_punctuation: bool = True, unpunctuated_secs: float = 0.4
    ) -> None:
        super().__init__(stop_secs=stop_secs)
        if unpunctuated_secs < 0:
            raise ValueError(f"unpunctuated_secs must be >= 0, got {unpunctuated_secs}")
        self.require_punctuation = require_punctuation
        self.unpunctuated_secs = unpunctuated_secs

    async def turn_complete(self, transcript: str) -> bool:
        """:func:`utterance_complete` of ``transcript``."""
        return utterance_complete(transcript, require_punctuation=self.require_punctuation)

    async def wait_secs(self, transcript: str) -> float:
        """0 for a whole utterance; ``unpunctuated_secs`` (at most ``stop_secs``) for one that
        lacks only its terminal punctuation; ``stop_secs`` for one that trails off."""
        if await self.turn_complete(transcript):
            return 0.0
        if self.require_punctuation and utterance_complete(transcript, require_punctuation=False):
            return min(self.unpunctuated_secs, self.stop_secs)
        return self.stop_secs
