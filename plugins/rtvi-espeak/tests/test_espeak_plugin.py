"""Tests for the plugin's registration and bot-file parameters."""

from __future__ import annotations

import pytest
from rtvi_espeak import EspeakTTSService
from rtvi_espeak.plugin import EspeakTTSConfig

from rtvi_core.config import BotFileError, load_bot_text
from rtvi_core.plugins import PluginManager


@pytest.fixture(scope="module")
def registry():
    manager = PluginManager(allow=["espeak"])  # the built-ins and this plugin only
    assert manager.failures == []
    return manager.registry


def test_registered_through_the_entry_point(registry):
    registration = registry.get("tts", "espeak")
    tts = registration.create({"voice": "fr", "rate": 200, "pitch": 70, "sample_rate": 16000})
    assert isinstance(tts, EspeakTTSService)
    assert tuple(tts.settings) == ("fr", 200, 70) and tts.library == "auto"
    assert "espeak-ng" in registration.description


def test_defaults():
    config = EspeakTTSConfig()
    assert (config.voice, config.rate, config.pitch, config.library) == ("en-us", 175, 50, "auto")
    assert config.sample_rate is None and config.word_timestamps is True


@pytest.mark.parametrize(
    "key, value, expected",
    [
        ("rate", 20, "tts.rate: tts plugin 'espeak': expected a value greater than or equal to 80, got 20"),
        ("rate", 1000, "tts.rate: tts plugin 'espeak': expected a value less than or equal to 450, got 1000"),
        ("rate", "fast", "tts.rate: tts plugin 'espeak': expected an integer, got 'fast'"),
        ("pitch", -1, "tts.pitch: tts plugin 'espeak': expected a value greater than or equal to 0"),
        ("pitch", 101, "tts.pitch: tts plugin 'espeak': expected a value less than or equal to 100"),
        ("sample_rate", 0, "tts.sample_rate: tts plugin 'espeak': expected a value greater than 0, got 0"),
        ("voice", "", "tts.voice: tts plugin 'espeak': string should have at least 1 character"),
        ("voice", "en us", "tts.voice: tts plugin 'espeak': value error, a voice name has no spaces"),
        (
            "library",
            "/no/such/libespeak-ng.so",
            "tts.library: tts plugin 'espeak': value error, expected 'auto' or the path of an existing",
        ),
        ("word_timestamps", "maybe", "tts.word_timestamps: tts plugin 'espeak': expected true or false"),
        ("volume", 3, "tts.volume: tts plugin 'espeak': unknown key; allowed keys: library, pitch"),
    ],
)
def test_bad_bot_file_values_name_the_key_and_what_was_expected(registry, key, value, expected):
    value_toml = f'"{value}"' if isinstance(value, str) else str(value)
    text = f'[llm]\nuse = "echo"\n[tts]\nuse = "espeak"\n{key} = {value_toml}\n'
    with pytest.raises(BotFileError) as info:
        load_bot_text(text, file="bot.toml", registry=registry, environ={})
    assert expected in str(info.value), str(info.value)


def test_a_good_bot_file_validates(registry):
    text = '[llm]\nuse = "echo"\n[tts]\nuse = "espeak"\nvoice = "en-gb+f3"\nrate = 190\n'
    assert load_bot_text(text, file="bot.toml", registry=registry, environ={})
