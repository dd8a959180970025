"""Tests for the ctypes binding and the library lookup, on the real libespeak-ng."""

from __future__ import annotations

import ctypes.util
import os
import sys

import pytest
from espeak_support import NO_SYSTEM_LIBRARY, SYSTEM_LIBRARY
from rtvi_espeak.engine import get_engine
from rtvi_espeak.library import EspeakLibraryError, WordEvent, load, locate


def synthesize(text: str, abort_after: int | None = None) -> tuple[bytes, list[WordEvent]]:
    """Speak ``text`` with the shared library (tests run one at a time: no lock needed)."""
    library = get_engine().library
    assert library.set_voice("en-us")
    chunks: list[bytes] = []
    words: list[WordEvent] = []

    def on_chunk(pcm: bytes, events: list[WordEvent]) -> bool:
        chunks.append(pcm)
        words.extend(events)
        return abort_after is not None and len(chunks) >= abort_after

    library.synthesize(text, on_chunk)
    return b"".join(chunks), words


def test_auto_finds_the_bundled_library_and_its_data():
    path, data = locate("auto")
    assert os.path.isfile(path) and "espeakng_loader" in path
    assert data is not None and os.path.isdir(data)
    engine = get_engine("auto")
    assert engine is get_engine("auto")  # loaded once per process
    assert engine.sample_rate == 22050
    assert engine.library.version.startswith("1.")


def test_a_path_uses_the_data_directory_beside_it():
    bundled, data = locate("auto")
    assert locate(bundled) == (bundled, data)


@pytest.mark.parametrize(
    "setting, message",
    [
        ("/no/such/libespeak-ng.so.1", "no espeak-ng library at '/no/such/libespeak-ng.so.1'"),
        (__file__, "cannot load"),  # a file that is not a shared library
    ],
)
def test_bad_library_paths_say_what_to_install(setting, message):
    with pytest.raises(EspeakLibraryError) as info:
        get_engine(setting)
    assert message in str(info.value)
    assert "pip install espeakng-loader" in str(info.value)
    assert "apt-get install libespeak-ng1" in str(info.value)


def test_a_shared_library_that_is_not_espeak_is_refused():
    with pytest.raises(EspeakLibraryError, match="is not libespeak-ng; pip install espeakng-loader"):
        load(ctypes.util.find_library("m"))


def test_without_the_loader_wheel_auto_means_the_system_library(monkeypatch):
    monkeypatch.setitem(sys.modules, "espeakng_loader", None)  # import fails
    assert locate("auto") == ("libespeak-ng.so.1", None)
    with pytest.raises(EspeakLibraryError) as info:
        load("libespeak-ng.so.99")  # what a machine without libespeak-ng1 meets
    assert "cannot load 'libespeak-ng.so.99'" in str(info.value)
    assert "pip install espeakng-loader" in str(info.value)
    assert "apt-get install libespeak-ng1" in str(info.value)


def test_voices_include_the_names_voice_accepts():
    library = get_engine().library
    voices = library.voices()
    assert len(voices) > 50
    languages = {lang for v in voices for lang in v.languages}
    assert {"en-us", "en", "fr", "de"} <= languages
    assert any(v.identifier == "gmw/en-US" for v in voices)
    assert "f3" in library.variants() and "m2" in library.variants()
    accepted = ["gmw/en-US", "en-us+f3", "en-gb", "EN-GB", "en-gb+m2", "Klingon", "pt-br"]
    refused = ["xx-nope", "", "en\0us", "en-uss", "en-us+nonexistent", "xx-nope+f3"]
    assert [library.set_voice(name) for name in accepted] == [True] * len(accepted)
    assert [library.set_voice(name) for name in refused] == [False] * len(refused)


def test_synthesis_gives_audio_and_character_based_word_events():
    text = "Grüße aus Zürich, naïve café."
    pcm, words = synthesize(text)
    assert len(pcm) / 2 / 22050 > 1.0
    spoken = [text[w.start : w.start + w.length] for w in words]
    assert spoken == ["Grüße", "aus", "Zürich", "naïve", "café"]
    samples = [w.sample for w in words]
    assert samples == sorted(samples) and samples[0] == 0 and samples[-1] > 0


def test_markup_is_spoken_as_text():
    text = "<speak>Hello <break time='3s'/> [[h@l'oU]] world</speak>"
    _, words = synthesize(text)
    spoken = [text[w.start : w.start + w.length] for w in words]
    assert "speak" in spoken and "break" in spoken and "time" in spoken
    assert "h" in spoken  # the phoneme string is spelled out, not pronounced


def test_the_chunk_handler_aborts_a_synthesis():
    text = "This is a long text that would take several seconds to speak aloud. " * 5
    whole, _ = synthesize(text)
    cut, _ = synthesize(text, abort_after=1)
    assert 0 < len(cut) < len(whole) // 4


@pytest.mark.skipif(SYSTEM_LIBRARY is None, reason=NO_SYSTEM_LIBRARY)
def test_the_system_library_works_alongside_the_bundled_one(monkeypatch):
    engine, bundled = get_engine(SYSTEM_LIBRARY), get_engine("auto")
    assert engine is not bundled
    # By soname, the dynamic loader gives back a library already loaded under that
    # soname (the bundled one is, too): never a second engine for one library.
    monkeypatch.setitem(sys.modules, "espeakng_loader", None)
    assert get_engine("auto") in (engine, bundled)
    assert engine.sample_rate == 22050
    assert engine.library.set_voice("en-us")
    chunks: list[bytes] = []
    engine.library.synthesize("Hello from the system library.", lambda pcm, _: chunks.append(pcm) or False)
    assert len(b"".join(chunks)) > 22050  # more than half a second
