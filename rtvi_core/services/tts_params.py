"""``TTSStreamParams``: how soon a TTS service speaks a streamed reply (the ``[tts]`` keys)."""

from __future__ import annotations

from ..records import record, setting


@record(eq=True)
class TTSStreamParams:
    """Where the text of a reply is cut for synthesis, and how far synthesis runs ahead.

    ``first_clause_min_words``: the first chunk of a reply may end at a clause boundary
    (``,`` ``;`` ``:`` or a spaced dash) once it holds this many words; 0 cuts it at a
    sentence end only. ``first_chunk_max_words``: the first chunk ends after this many
    words even without punctuation (0: no limit). Later chunks end at sentence ends,
    or at a clause too while less than ``clause_below_secs`` of audio is left to play
    (the reply would otherwise fall silent while a long sentence streams in).
    ``lookahead``: chunks synthesized ahead of the one playing (1: while chunk k plays,
    k+1 is synthesized and k+2 waits until k has played; by the service's own estimate of
    the client's playback, which assumes the output is paced at real time).
    """

    first_clause_min_words: int = setting(
        default=2, description="words the first chunk needs before it may end at a comma, colon or dash (0: off)", ge=0
    )
    first_chunk_max_words: int = setting(
        default=12, description="the first chunk ends after this many words anyway (0: at punctuation only)", ge=0
    )
    clause_below_secs: float = setting(
        default=1.0, description="later chunks may end at a clause while less audio than this is left to play", ge=0
    )
    lookahead: int = setting(default=1, description="chunks synthesized ahead of the one being played", ge=1, le=2)
