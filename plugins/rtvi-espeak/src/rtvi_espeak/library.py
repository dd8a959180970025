"""``EspeakLibrary``: a ctypes binding of the parts of libespeak-ng's C API this plugin uses.

Synchronous synthesis only (``AUDIO_OUTPUT_SYNCHRONOUS``): ``espeak_Synth`` calls the
synth callback with 16-bit mono PCM and events in the calling thread and returns when
the text is done. The library has global state (voice, parameters, callback) and is
not thread-safe: :class:`~rtvi_espeak.engine.EspeakEngine` serializes all calls.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Callable
from typing import NamedTuple

#: espeak_AUDIO_OUTPUT: the callback gets the audio, espeak_Synth returns when done.
AUDIO_OUTPUT_SYNCHRONOUS = 2
#: espeak_POSITION_TYPE: ``position`` counts characters.
POS_CHARACTER = 1
#: Synth flags: UTF-8 text, plus a pause at the end. SSML (0x10) and phoneme input
#: (0x100) are deliberately left off: markup in the text is spoken as text.
CHARS_UTF8 = 0x1
END_PAUSE = 0x1000
#: espeak_EVENT_TYPE values used here.
EVENT_LIST_TERMINATED = 0
EVENT_WORD = 1
#: espeak_PARAMETER values.
PARAM_RATE = 1
PARAM_PITCH = 3
#: espeak_ERROR: EE_OK.
EE_OK = 0

#: The system library's name, found by the dynamic loader (Debian: libespeak-ng1).
SYSTEM_LIBRARY = "libespeak-ng.so.1"

INSTALL_HINT = (
    "pip install espeakng-loader (bundles libespeak-ng and its data), "
    "or apt-get install libespeak-ng1, or set library to the path of libespeak-ng.so.1"
)


class EspeakLibraryError(RuntimeError):
    """libespeak-ng could not be found, loaded or initialised."""


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),  # 1-based, in characters
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),  # ms
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    ]


class _Voice(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_void_p),  # (priority byte, name, NUL)*, then a NUL
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    ]


_SynthCallback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))


class WordEvent(NamedTuple):
    """A word espeak-ng started: its span in the text (0-based characters) and sample."""

    start: int
    length: int
    sample: int


class VoiceInfo(NamedTuple):
    """An installed voice: the names ``voice`` accepts (languages, identifier) and its title."""

    languages: tuple[str, ...]
    identifier: str
    name: str


#: ``chunk(pcm, words)`` receives each buffer of audio and the words starting in it;
#: returning True aborts the synthesis.
ChunkHandler = Callable[[bytes, list[WordEvent]], bool]


def locate(library: str) -> tuple[str, str | None]:
    """The shared library file and data directory for a ``library`` setting.

    ``"auto"``: the espeakng-loader wheel's copy, else the system's libespeak-ng.so.1.
    A path: that file, with an ``espeak-ng-data`` directory beside it if there is one
    (else the library's built-in data path).
    """
    if library != "auto":
        if not os.path.isfile(library):
            raise EspeakLibraryError(f"no espeak-ng library at {library!r}; {INSTALL_HINT}")
        data = os.path.join(os.path.dirname(os.path.abspath(library)), "espeak-ng-data")
        return library, data if os.path.isdir(data) else None
    try:
        import espeakng_loader
    except ImportError:
        pass
    else:
        return espeakng_loader.get_library_path(), espeakng_loader.get_data_path()
    return SYSTEM_LIBRARY, None


def load(path: str) -> ctypes.CDLL:
    """The shared library at ``path`` (or a soname), its functions declared; not initialised.

    Loading an already loaded library gives the same ``_handle``: the same global state.
    """
    try:
        lib = ctypes.CDLL(path)
    except OSError as exc:
        raise EspeakLibraryError(f"cannot load {path!r} ({exc}); {INSTALL_HINT}") from None
    try:
        _declare(lib)
    except AttributeError:
        raise EspeakLibraryError(f"{path!r} is not libespeak-ng; {INSTALL_HINT}") from None
    return lib


class EspeakLibrary:
    """One initialised libespeak-ng (from :func:`load`). Call it from one thread at a time."""

    def __init__(self, lib: ctypes.CDLL, path: str, data_path: str | None) -> None:
        data = data_path.encode() if data_path else None
        rate = lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, data, 0)
        if rate <= 0:
            raise EspeakLibraryError(f"espeak-ng at {path!r} failed to initialise (data directory {data_path!r})")
        self.path = path
        self.sample_rate: int = rate
        self.version: str = lib.espeak_Info(None).decode()
        self._lib = lib
        self._chunk: ChunkHandler | None = None
        self._voices: list[VoiceInfo] | None = None
        self._variants: list[str] | None = None
        # Kept referenced: the library holds the pointer for the life of the process.
        self._callback = _SynthCallback(self._on_synth)
        lib.espeak_SetSynthCallback(self._callback)

    def set_voice(self, name: str) -> bool:
        """Select a voice; False (voice unchanged or undefined) if there is none of that name.

        ``name``: a voice file (``"en-us"``, ``"gmw/en-GB-x-rp"``), a voice title
        (``"Klingon"``) or one of the languages :meth:`voices` lists (``"en-gb"``: the
        best voice for it), each optionally followed by a variant (``"+f3"``).
        """
        if not name or "\0" in name:
            return False
        language, plus, variant = name.partition("+")
        if variant and variant.lower() not in {v.lower() for v in self.variants()}:
            return False  # espeak-ng would silently ignore it
        lib = self._lib
        if lib.espeak_SetVoiceByName(name.encode()) == EE_OK:
            return True
        if language.lower() not in {n.lower() for v in self.voices() for n in v.languages}:
            return False  # espeak-ng would take a close language ("en-uss" → English)
        wanted = _Voice()
        wanted.languages = ctypes.cast(ctypes.c_char_p(language.encode()), ctypes.c_void_p)
        if lib.espeak_SetVoiceByProperties(ctypes.byref(wanted)) != EE_OK:
            return False
        if not variant:
            return True
        identifier = lib.espeak_GetCurrentVoice().contents.identifier
        status: int = lib.espeak_SetVoiceByName(identifier + plus.encode() + variant.encode())
        return status == EE_OK

    def set_rate(self, words_per_minute: int) -> None:
        """Speaking rate in words per minute (espeak-ng takes 80–450)."""
        self._lib.espeak_SetParameter(PARAM_RATE, words_per_minute, 0)

    def set_pitch(self, pitch: int) -> None:
        """Base pitch, 0–100 (50 is normal)."""
        self._lib.espeak_SetParameter(PARAM_PITCH, pitch, 0)

    def synthesize(self, text: str, chunk: ChunkHandler) -> None:
        """Speak ``text`` (plain text, UTF-8, no markup) into ``chunk``; returns when done."""
        data = text.encode()
        self._chunk = chunk
        try:
            flags = CHARS_UTF8 | END_PAUSE
            self._lib.espeak_Synth(data, len(data) + 1, 0, POS_CHARACTER, 0, flags, None, None)
        finally:
            self._chunk = None

    def voices(self) -> list[VoiceInfo]:
        """The installed voices (listed once)."""
        if self._voices is None:
            self._voices = self._list(None)
        return self._voices

    def variants(self) -> list[str]:
        """The names of the installed voice variants (``"f3"``, ``"m2"``, ``"Alex"``...)."""
        if self._variants is None:
            spec = _Voice()
            spec.languages = ctypes.cast(ctypes.c_char_p(b"variant"), ctypes.c_void_p)
            self._variants = [v.identifier.rpartition("/")[2] for v in self._list(spec)]
        return self._variants

    def _list(self, spec: _Voice | None) -> list[VoiceInfo]:
        found: list[VoiceInfo] = []
        table = self._lib.espeak_ListVoices(ctypes.byref(spec) if spec is not None else None)
        for i in range(100_000):
            entry = table[i]
            if not entry:
                break
            voice = entry.contents
            found.append(
                VoiceInfo(
                    _languages(voice.languages),
                    (voice.identifier or b"").decode(errors="replace"),
                    (voice.name or b"").decode(errors="replace"),
                )
            )
        return found

    def _on_synth(self, wav: ctypes._Pointer[ctypes.c_short], count: int, events: ctypes._Pointer[_Event]) -> int:
        chunk = self._chunk
        if chunk is None:
            return 1
        words: list[WordEvent] = []
        i = 0
        while events[i].type != EVENT_LIST_TERMINATED:
            event = events[i]
            if event.type == EVENT_WORD:
                words.append(WordEvent(event.text_position - 1, event.length, event.sample))
            i += 1
        pcm = ctypes.string_at(wav, 2 * count) if count > 0 and wav else b""
        return 1 if chunk(pcm, words) else 0


def _languages(pointer: int | None) -> tuple[str, ...]:
    """Decode espeak_VOICE.languages: repeated (priority byte, name, NUL), ended by a NUL."""
    names: list[str] = []
    while pointer and ctypes.string_at(pointer, 1) != b"\0":
        name = ctypes.string_at(pointer + 1)
        names.append(name.decode(errors="replace"))
        pointer += len(name) + 2
    return tuple(names)


def _declare(lib: ctypes.CDLL) -> None:
    """Declare the signatures of the functions used (AttributeError if one is missing)."""
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.espeak_Initialize.restype = ctypes.c_int
    lib.espeak_Info.argtypes = [ctypes.c_void_p]
    lib.espeak_Info.restype = ctypes.c_char_p
    lib.espeak_SetSynthCallback.argtypes = [_SynthCallback]
    lib.espeak_SetSynthCallback.restype = None
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_SetVoiceByName.restype = ctypes.c_int
    lib.espeak_SetVoiceByProperties.argtypes = [ctypes.POINTER(_Voice)]
    lib.espeak_SetVoiceByProperties.restype = ctypes.c_int
    lib.espeak_GetCurrentVoice.argtypes = []
    lib.espeak_GetCurrentVoice.restype = ctypes.POINTER(_Voice)
    lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
    lib.espeak_SetParameter.restype = ctypes.c_int
    lib.espeak_Synth.argtypes = [
        ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
        ctypes.c_uint, ctypes.c_uint, ctypes.POINTER(ctypes.c_uint), ctypes.c_void_p,
    ]  # fmt: skip
    lib.espeak_Synth.restype = ctypes.c_int
    lib.espeak_ListVoices.argtypes = [ctypes.c_void_p]
    lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_Voice))
