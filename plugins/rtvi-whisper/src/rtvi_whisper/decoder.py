"""``WindowDecoder``: one blocking Whisper decode of a short audio window, sized to the audio.

faster-whisper's ``transcribe()`` pads every input to Whisper's 30 s window, so the
encoder costs the same for 0.5 s of speech as for 30 s (~300 ms of tiny.en on 2 cores).
CTranslate2 also encodes shorter inputs; the decoder here gives the encoder the audio
plus at least :data:`MARGIN_FRAMES` of silence, rounded up to :data:`CONTEXT_STEP_FRAMES`
(10 s for a short utterance: ~5x cheaper). A window whose decode looks broken (a
repetition loop: too many tokens for the audio, or text that compresses too well) is
decoded again with the full 30 s context, as the model was trained.

Runs in a worker thread; never call it on the event loop.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy
    from faster_whisper import WhisperModel
    from faster_whisper.tokenizer import Tokenizer

#: Mel frames per second (10 ms hop) and in Whisper's full window.
FRAMES_PER_SEC = 100
FULL_CONTEXT_FRAMES = 3000
#: Silence the encoder gets after the audio at least, and the step its context grows in.
MARGIN_FRAMES = 200
CONTEXT_STEP_FRAMES = 500
MIN_CONTEXT_FRAMES = 1000
#: Tokens a decode may produce per second of audio (speech is ~3-5), plus a constant.
TOKENS_PER_SEC = 8
TOKENS_EXTRA = 10
#: Text that compresses better than this is a repetition loop (faster-whisper's threshold).
MAX_COMPRESSION_RATIO = 2.4
#: faster-whisper's rule for silence: no-speech probability over the threshold and a low log-probability.
NO_SPEECH_LOGPROB = -1.0


@dataclass(frozen=True)
class Decoded:
    """What one decode gave: the words after the forced prefix, the language and confidences."""

    words: list[str]
    language: str
    no_speech_prob: float
    avg_logprob: float


def context_frames(frames: int) -> int:
    """The encoder context for ``frames`` of audio: audio plus margin, in steps, at most 30 s."""
    wanted = max(MIN_CONTEXT_FRAMES, frames + MARGIN_FRAMES)
    return min(FULL_CONTEXT_FRAMES, math.ceil(wanted / CONTEXT_STEP_FRAMES) * CONTEXT_STEP_FRAMES)


def compression_ratio(text: str) -> float:
    """How much better than 1 ``text`` compresses (high: repetitive)."""
    data = text.encode()
    return len(data) / len(zlib.compress(data)) if data else 0.0


class WindowDecoder:
    """Greedy or beam decodes of 16 kHz float windows with a shared ``WhisperModel``.

    ``language``: a code, or None to detect it per window. ``beam_size``: 1 is greedy.
    ``no_speech_threshold``: a window likelier silence than this decodes to no words.
    ``initial_prompt``: text that goes before every prompt (vocabulary, spelling).
    """

    def __init__(
        self,
        model: WhisperModel,
        *,
        language: str | None,
        beam_size: int = 1,
        no_speech_threshold: float = 0.6,
        initial_prompt: str | None = None,
    ) -> None:
        self._model = model
        self._language = language
        self._beam_size = beam_size
        self._no_speech_threshold = no_speech_threshold
        self._initial_prompt = (initial_prompt or "").strip()
        self._tokenizers: dict[str, Tokenizer] = {}
        self._suppressed: tuple[int, ...] | None = None

    def decode(self, samples: numpy.ndarray, prompt: str = "", prefix: str = "") -> Decoded:
        """Decode ``samples`` (float32, 16 kHz, at most 30 s): ``prompt`` is earlier text of the
        utterance (context only), ``prefix`` the start of this window's text (forced; not in
        the result's words)."""
        import ctranslate2

        features = self._model.feature_extractor(samples)
        frames = min(int(features.shape[-1]), FULL_CONTEXT_FRAMES)
        for context in dict.fromkeys((context_frames(frames), FULL_CONTEXT_FRAMES)):
            padded = _pad(features[:, :frames], context)
            encoded = self._model.model.encode(ctranslate2.StorageView.from_array(padded), to_cpu=False)
            decoded, looped = self._generate(encoded, frames, prompt, prefix)
            if not looped:
                break
        return decoded

    def _generate(self, encoded: Any, frames: int, prompt: str, prefix: str) -> tuple[Decoded, bool]:
        """Decode the encoder output; also whether it looks like a repetition loop."""
        language = self._language or self._detect(encoded)
        tokenizer = self._tokenizer(language)
        tokens, forced = self._prompt_tokens(tokenizer, prompt, prefix)
        budget = int(frames / FRAMES_PER_SEC * TOKENS_PER_SEC) + TOKENS_EXTRA
        result = self._model.model.generate(
            encoded,
            [tokens],
            beam_size=self._beam_size,
            max_length=min(self._model.max_length, len(tokens) + budget),
            suppress_blank=not prefix,
            suppress_tokens=self._suppressed_tokens(tokenizer),
            return_scores=True,
            return_no_speech_prob=True,
        )[0]
        generated = [t for t in result.sequences_ids[0] if t < tokenizer.eot]
        if generated[: len(forced)] == forced:  # the result starts with the forced prefix
            generated = generated[len(forced) :]
        text = tokenizer.decode(generated)
        avg_logprob = result.scores[0] * len(generated) / (len(generated) + 1)
        looped = len(generated) >= budget or compression_ratio(text) > MAX_COMPRESSION_RATIO
        silent = result.no_speech_prob > self._no_speech_threshold and avg_logprob < NO_SPEECH_LOGPROB
        words = [] if silent or not any(c.isalnum() for c in text) else text.split()  # "." is no speech
        return Decoded(words, language, result.no_speech_prob, avg_logprob), looped

    def _prompt_tokens(self, tokenizer: Tokenizer, prompt: str, prefix: str) -> tuple[list[int], list[int]]:
        """``<|startofprev|>`` context, the start sequence, no timestamps, then the forced prefix;
        and the prefix's tokens alone."""
        half = self._model.max_length // 2
        tokens: list[int] = []
        context = f"{self._initial_prompt} {prompt}".strip()
        if context:
            tokens = [tokenizer.sot_prev, *tokenizer.encode(" " + context)[-(half - 1) :]]
        forced = tokenizer.encode(" " + prefix.strip())[-(half - 1) :] if prefix else []
        return [*tokens, *tokenizer.sot_sequence, tokenizer.no_timestamps, *forced], forced

    def _detect(self, encoded: Any) -> str:
        """The most likely language of the window (multilingual models)."""
        token, _probability = self._model.model.detect_language(encoded)[0][0]
        return str(token)[2:-2]  # "<|en|>" -> "en"

    def _tokenizer(self, language: str) -> Tokenizer:
        tokenizer = self._tokenizers.get(language)
        if tokenizer is None:
            from faster_whisper.tokenizer import Tokenizer

            model = self._model
            tokenizer = self._tokenizers[language] = Tokenizer(
                model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language=language
            )
        return tokenizer

    def _suppressed_tokens(self, tokenizer: Tokenizer) -> list[int]:
        """faster-whisper's default suppression (non-speech symbols and the task tokens)."""
        if self._suppressed is None:
            from faster_whisper.transcribe import get_suppressed_tokens

            self._suppressed = tuple(get_suppressed_tokens(tokenizer, [-1]) or ())
        return list(self._suppressed)


def _pad(features: numpy.ndarray, frames: int) -> numpy.ndarray:
    """``features`` (mels x n) padded with zeros (log-mel silence as Whisper pads) to ``frames``, batched."""
    import numpy

    padded = numpy.zeros((1, features.shape[0], frames), dtype=numpy.float32)
    padded[0, :, : features.shape[1]] = features
    return padded
