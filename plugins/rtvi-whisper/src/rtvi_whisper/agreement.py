"""``Agreement``: the words of one utterance, committed once two consecutive decodes agree.

LocalAgreement-2 (Macháček et al., "Turning Whisper into Real-Time Transcription
System", 2023): each decode of the growing window gives a hypothesis after the words
already committed; the longest common prefix of it and the previous hypothesis is
committed. Committed words are forced as the next decode's prefix, so the model only
decodes what follows them. When the audio window is trimmed, the words of the audio
cut off move to the *prompt* (context the model reads, not decodes again).

A turn may go on after a pause (the VAD stopped and speech resumed): the words already
given out in a final transcript (:attr:`Agreement.final`) are then never decoded again; the
next decodes take them as forced prefix, and the next final gives only the words after them.
"""

from __future__ import annotations

import re

_NON_WORD = re.compile(r"[^\w']+")
#: Prompt words kept (the newest): Whisper reads at most ~220 prompt tokens, and a turn that
#: goes on for an hour must not make each decode tokenize all it said.
PROMPT_WORDS = 150


def _norm(word: str) -> str:
    """A word compared without case and punctuation ("Paris?" == "paris")."""
    return _NON_WORD.sub("", word.lower())


class Agreement:
    """Committed and tentative words of one utterance (see the module docstring)."""

    def __init__(self) -> None:
        #: Committed words whose audio was cut off the window: the decodes' prompt.
        self.prompt_words: list[str] = []
        #: Committed words whose audio is still in the window: the decodes' forced prefix.
        self.window_words: list[str] = []
        #: The latest decode's words after the committed ones, not yet agreed on.
        self.tentative: list[str] = []
        #: How many committed words were given out in final transcripts (fixed for good).
        self.final = 0

    @property
    def prompt(self) -> str:
        """Context text for the next decode."""
        return " ".join(self.prompt_words)

    @property
    def prefix(self) -> str:
        """The forced start of the next decode's text."""
        return " ".join(self.window_words)

    @property
    def final_in_window(self) -> list[str]:
        """The final words whose audio is still in the window."""
        return self.window_words[: max(0, self.final - len(self.prompt_words))]

    @property
    def final_prefix(self) -> str:
        """The forced start of a whole decode: :attr:`final_in_window`."""
        return " ".join(self.final_in_window)

    @property
    def committed(self) -> list[str]:
        """All committed words, in order."""
        return self.prompt_words + self.window_words

    def text(self) -> str:
        """The current hypothesis of the words since the last final: committed, then tentative."""
        return " ".join((self.committed + self.tentative)[self.final :])

    def take_final(self) -> str:
        """Commit the tentative words and give out the words since the last final."""
        self.window_words += self.tentative
        self.tentative = []
        text = " ".join(self.committed[self.final :])
        self.final = len(self.committed)
        return text

    def update(self, words: list[str]) -> None:
        """Take a decode's ``words`` (after :attr:`prefix`): commit what it agrees on with the
        previous one, except its last word (the window may end inside it: "air|port")."""
        agreed = 0
        for old, new in zip(self.tentative, words[:-1]):
            if _norm(old) != _norm(new):
                break
            agreed += 1
        self.window_words += words[:agreed]
        self.tentative = words[agreed:]

    def redo(self, words: list[str], *, final: bool) -> None:
        """The window was decoded whole (only :attr:`final_prefix` forced) as ``words``: they
        replace the words after that prefix; all committed when ``final``, else all tentative."""
        kept = self.final_in_window
        self.window_words, self.tentative = (kept + words, []) if final else (kept, list(words))

    def close_window(self, words: list[str]) -> None:
        """The window's audio was cut off and decoded whole (after :attr:`final_prefix`) as
        ``words``: they become prompt, after the final words."""
        self.prompt_words += self.final_in_window + words
        self.window_words = []
        self.tentative = []
        dropped = min(len(self.prompt_words) - PROMPT_WORDS, self.final)  # final words only
        if dropped > 0:
            del self.prompt_words[:dropped]
            self.final -= dropped
