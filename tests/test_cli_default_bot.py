"""The default bot of ``rtvi run`` (best installed voice stack) and model preloading."""

from __future__ import annotations

import pytest

from rtvi_core.builtins import EchoLLMService
from rtvi_core.cli.app import main
from rtvi_core.cli.run_cmd import DEFAULT_VOICE_STACK, default_served_bot
from rtvi_core.config.loader import load_bot_text
from rtvi_core.plugins import get_plugin_manager
from rtvi_core.serving import PreloadError, SessionFactory


class Installed:
    """A registry stand-in that knows only ``names``."""

    def __init__(self, *names: str) -> None:
        self.names = set(names)

    def find(self, kind: str, name: str) -> object | None:
        return object() if name in self.names else None


def sections(text: str) -> dict[str, str]:
    """``{"vad": "silero", ...}`` from a bot file's ``[kind]`` / ``use = "..."`` pairs."""
    found, kind = {}, None
    for line in text.splitlines():
        if line.startswith("["):
            kind = line.strip("[]")
        elif line.startswith("use = ") and kind:
            found[kind] = line.split('"')[1]
    return found


def test_the_full_voice_stack_when_every_plugin_is_installed() -> None:
    text, hints = default_served_bot(Installed("websocket", "silero", "whisper", "piper", "espeak", "energy", "tone"))
    assert sections(text) == {
        "transport": "websocket",
        "llm": "echo",
        "vad": "silero",
        "stt": "whisper",
        "tts": "piper",
        "turn": "text",
    }
    assert hints == []
    assert "also_serve" not in text  # rtvi-webrtc is not installed
    # turns end by transcript: the VAD's stop is the short pause at which it is read
    assert '[vad]\nuse = "silero"\nstop_secs = 0.2\n' in text


def test_without_speech_to_text_the_vad_ends_the_turns() -> None:
    text, _ = default_served_bot(Installed("websocket", "silero", "piper"))
    assert "turn" not in sections(text)
    assert "stop_secs" not in text


def test_webrtc_is_served_beside_the_websocket_when_installed() -> None:
    text, _ = default_served_bot(Installed("websocket", "webrtc", "energy", "tone"))
    assert 'use = "websocket"\nalso_serve = ["webrtc"]\n' in text


def test_each_missing_plugin_falls_back_and_says_what_to_install() -> None:
    text, hints = default_served_bot(Installed("websocket", "espeak", "energy", "tone"))
    assert sections(text) == {"transport": "websocket", "llm": "echo", "vad": "energy", "tts": "espeak"}
    assert hints == [
        "vad 'silero' is not installed (pip install -e plugins/rtvi-silero)",
        "stt 'whisper' is not installed (pip install -e 'plugins/rtvi-whisper[tiny-en]')",
        "tts 'piper' is not installed (pip install -e 'plugins/rtvi-piper[joe]')",
    ]
    assert sections(default_served_bot(Installed("websocket", "energy", "tone"))[0])["tts"] == "tone"


@pytest.mark.rtvi_plugins
def test_the_default_bot_of_this_environment_validates() -> None:
    registry = get_plugin_manager().registry
    if registry.find("transports", "websocket") is None:
        pytest.skip("rtvi-websocket is not installed")
    text, _ = default_served_bot(registry)
    config = load_bot_text(text, file="<built-in bot>")
    assert config.vad is not None and config.vad.name in DEFAULT_VOICE_STACK["vad"]
    assert config.tts is not None and config.tts.name in DEFAULT_VOICE_STACK["tts"]
    # with speech-to-text, turns end by transcript; without, by the VAD's hang-over
    assert (config.turn is not None and config.turn.name == "text") is (config.stt is not None)
    served = [spec.name for spec in config.also_serve]
    assert served == (["webrtc"] if registry.find("transports", "webrtc") is not None else [])


BOT = '[bot]\nname = "b"\n[transport]\nuse = "{transport}"\n[vad]\nuse = "energy"\n[llm]\nuse = "echo"\n'


def test_preload_calls_the_components_that_load_something_once(monkeypatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(EchoLLMService, "preload", lambda self: calls.append(self.name), raising=False)
    config = load_bot_text(BOT.format(transport="memory"), file="bot.toml")
    loaded = [(spec.section, spec.name, seconds >= 0) for spec, seconds in SessionFactory(config).preload()]
    assert loaded == [("llm", "echo", True)]  # the energy VAD has nothing to load
    assert len(calls) == 1


@pytest.mark.rtvi_plugins
def test_a_component_that_cannot_load_stops_rtvi_run_with_file_key_and_reason(tmp_path, monkeypatch, capsys) -> None:
    if get_plugin_manager().registry.find("transports", "websocket") is None:
        pytest.skip("rtvi-websocket is not installed")

    def broken(self: EchoLLMService) -> None:
        raise RuntimeError("model 'x' is missing: pip install x-model")

    monkeypatch.setattr(EchoLLMService, "preload", broken, raising=False)
    bot = tmp_path / "bot.toml"
    bot.write_text(BOT.format(transport="websocket"))
    assert main(["run", str(bot), "--port", "0"]) == 1
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"{bot}: llm: llm plugin 'echo': model 'x' is missing: pip install x-model"
    )
    with pytest.raises(PreloadError):
        list(SessionFactory(load_bot_text(BOT.format(transport="websocket"), file="b")).preload())
