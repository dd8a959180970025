"""``EspeakEngine``: one libespeak-ng per process, shared fairly by every session.

libespeak-ng keeps its voice, parameters and callback in global variables and is
not thread-safe, so the engine runs one synthesis at a time, in a worker thread,
behind a first-come-first-served lock: sessions take turns sentence by sentence
(long sentences are cut into short calls by the caller). A cancelled request is
skipped if still waiting, and aborts at its next audio buffer if running.
"""

from __future__ import annotations

import difflib
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import NamedTuple

import anyio.to_thread

from .library import EspeakLibrary, VoiceInfo, WordEvent, load, locate
from .log import logger


class VoiceSettings(NamedTuple):
    """What a session speaks with: voice name, words per minute, pitch (0–100)."""

    voice: str
    rate: int
    pitch: int


class Synthesis(NamedTuple):
    """The audio of one call (PCM16 at the engine's rate) and its word events."""

    pcm: bytes
    words: list[WordEvent]


class UnknownVoiceError(ValueError):
    """The requested voice is not installed."""


class _FifoLock:
    """A lock granted in the order it was asked for (``threading.Lock`` is not fair)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._waiting: deque[object] = deque()

    def __enter__(self) -> None:
        me = object()
        with self._cond:
            self._waiting.append(me)
            while self._waiting[0] is not me:
                self._cond.wait()

    def __exit__(self, *exc: object) -> None:
        with self._cond:
            self._waiting.popleft()
            self._cond.notify_all()


@dataclass
class _Request:
    text: str
    settings: VoiceSettings
    cancelled: bool = False
    pcm: list[bytes] = field(default_factory=list)
    words: list[WordEvent] = field(default_factory=list)

    def on_chunk(self, pcm: bytes, words: list[WordEvent]) -> bool:
        if self.cancelled:
            return True
        self.words.extend(words)
        if pcm:
            self.pcm.append(pcm)
        return False


class EspeakEngine:
    """Serialized access to one :class:`EspeakLibrary`."""

    def __init__(self, library: EspeakLibrary) -> None:
        self.library = library
        self._lock = _FifoLock()

    @property
    def sample_rate(self) -> int:
        """The rate of the audio espeak-ng produces (22050 Hz)."""
        return self.library.sample_rate

    async def synthesize(self, text: str, settings: VoiceSettings) -> Synthesis:
        """The audio and word events of ``text`` (plain text, kept short by the caller)."""
        request = _Request(text, settings)
        try:
            await anyio.to_thread.run_sync(self._run, request, abandon_on_cancel=True)
        finally:
            request.cancelled = True  # cancelled: skip it, or abort it at its next buffer
        return Synthesis(b"".join(request.pcm), request.words)

    async def check_voice(self, voice: str) -> None:
        """Raise :class:`UnknownVoiceError` (with close matches) if ``voice`` is not installed."""
        message = await anyio.to_thread.run_sync(self._check_voice, voice)
        if message:
            raise UnknownVoiceError(message)

    def voices(self) -> list[VoiceInfo]:
        """The installed voices."""
        with self._lock:
            return self.library.voices()

    def variants(self) -> list[str]:
        """The installed voice variants."""
        with self._lock:
            return self.library.variants()

    # -- in a worker thread ------------------------------------------------------------

    def _run(self, request: _Request) -> None:
        with self._lock:
            if request.cancelled:
                return
            self._apply(request.settings)
            self.library.synthesize(request.text, request.on_chunk)

    def _check_voice(self, voice: str) -> str | None:
        with self._lock:
            return None if self.library.set_voice(voice) else self._unknown_voice(voice)

    def _apply(self, settings: VoiceSettings) -> None:
        # Holding the lock, before every call: the library's settings are global and cost 0.05–0.3 ms to set.
        if not self.library.set_voice(settings.voice):
            raise UnknownVoiceError(self._unknown_voice(settings.voice))
        self.library.set_rate(settings.rate)
        self.library.set_pitch(settings.pitch)

    def _unknown_voice(self, voice: str) -> str:
        language, _, variant = voice.partition("+")
        variants = self.library.variants()
        if variant and variant.lower() not in {v.lower() for v in variants}:
            problem, wanted, known = f": no variant {variant!r}", variant, variants
        else:
            voices = self.library.voices()
            problem, wanted = "", language.lower()
            known = sorted({n for v in voices for n in (*v.languages, v.identifier) if n})
        close = difflib.get_close_matches(wanted, known, n=4, cutoff=0.6)
        hint = f"did you mean {', '.join(repr(n) for n in close)}? " if close else ""
        return (
            f"unknown espeak-ng voice {voice!r}{problem}; {hint}list the voices and "
            f"variants with `python -m rtvi_espeak voices` (library {self.library.path})"
        )


#: The engines by library handle: one per loaded library, however it was named.
_engines: dict[int, EspeakEngine] = {}
_engines_lock = threading.Lock()


def get_engine(library: str = "auto") -> EspeakEngine:
    """The process's engine for a ``library`` setting (``"auto"`` or a path), loaded once.

    Raises :class:`~rtvi_espeak.library.EspeakLibraryError` naming what to install.
    """
    path, data = locate(library)
    with _engines_lock:
        started = time.perf_counter()
        lib = load(path)
        engine = _engines.get(lib._handle)
        if engine is None:
            engine = _engines[lib._handle] = EspeakEngine(EspeakLibrary(lib, path, data))
            logger.info(
                "espeak-ng %s loaded from %s in %.1f ms (%d Hz)",
                engine.library.version,
                path,
                1e3 * (time.perf_counter() - started),
                engine.sample_rate,
            )
        return engine
