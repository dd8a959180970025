"""The ``cartesia`` entry point, and the bot-file parameters with the errors they give."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from cartesia_fake import FakeCartesia
from rtvi_cartesia import CartesiaTTSService

from rtvi_core.config import BotFileError, load_bot_file, load_bot_text
from rtvi_core.frames import TTSSpeakFrame
from rtvi_core.plugins import PluginManager
from rtvi_core.testing.contracts.tts import TTSContract

pytestmark = pytest.mark.rtvi_plugins


@pytest.fixture(scope="module")
def registry():
    manager = PluginManager(allow=["cartesia"])
    assert manager.failures == []
    return manager.registry


def test_registered_through_the_entry_point(registry, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARTESIA_API_KEY", "sk_car_test")
    tts = registry.get("tts", "cartesia").create(
        {"base_url": "https://eu.example.com/cartesia/", "voice": "v-1", "model": "sonic-2", "speed": 0.8}
    )
    assert isinstance(tts, CartesiaTTSService)
    assert tts.url == "wss://eu.example.com/cartesia/tts/websocket"
    assert (tts.voice, tts.model, tts.speed, tts.language) == ("v-1", "sonic-2", 0.8, "en")


def test_plugin_module_does_not_import_websockets() -> None:
    code = "import sys, rtvi_cartesia.plugin; print('websockets' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


BOT = """
[transport]
use = "memory"

[llm]
use = "echo"

[tts]
use = "cartesia"
{keys}
"""


@pytest.mark.parametrize(
    ("keys", "fragments"),
    [
        (
            'base_url = "api.cartesia.ai"',
            ["tts.base_url", "base_url must be a wss:// (or https://) URL", "'api.cartesia.ai'"],
        ),
        ('base_url = "wss://api.cartesia.ai?api_key=x"', ["tts.base_url"]),
        ("speed = 3", ["tts.speed", "1.5"]),
        ("sample_rate = 32000", ["tts.sample_rate", "not 32000"]),
        ('voice = ""', ["tts.voice"]),
        ("timeout_secs = 0", ["tts.timeout_secs"]),
        ("add_timestamps = false", ["tts.add_timestamps"]),
    ],
)
def test_bad_bot_file_keys_are_named(
    registry, monkeypatch: pytest.MonkeyPatch, keys: str, fragments: list[str]
) -> None:
    monkeypatch.setenv("CARTESIA_API_KEY", "sk_car_test")
    with pytest.raises(BotFileError) as error:
        load_bot_text(BOT.format(keys=keys), registry=registry, environ={})
    message = str(error.value)
    for fragment in fragments:
        assert fragment in message, message


def test_a_missing_key_is_named_by_validation(registry, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CARTESIA_API_KEY", raising=False)
    with pytest.raises(BotFileError) as error:
        load_bot_text(BOT.format(keys=""), registry=registry, environ={})
    assert "no Cartesia API key: set the environment variable CARTESIA_API_KEY" in str(error.value)
    # A local test server needs none.
    load_bot_text(BOT.format(keys='base_url = "ws://127.0.0.1:9"'), registry=registry, environ={})


@pytest.mark.anyio
async def test_bot_file_key_from_the_environment_is_sent_and_not_shown(registry, fake: FakeCartesia) -> None:
    keys = f'base_url = "{fake.url}"\napi_key = "${{env:MY_CARTESIA_KEY}}"'
    spec = load_bot_text(BOT.format(keys=keys), registry=registry, environ={"MY_CARTESIA_KEY": "sk_car_secret"}).tts
    assert spec is not None and "sk_car_secret" not in repr(spec.config)
    spoken = await TTSContract().speak(spec.create(), TTSSpeakFrame(text="Hello there."))
    TTSContract().assert_spoke(spoken, "Hello there.")
    assert fake.handshakes[0].headers["X-API-Key"] == "sk_car_secret"


def test_the_example_bot_file_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    example = Path(__file__).parents[3] / "examples" / "cartesia-bot.toml"
    monkeypatch.setenv("CARTESIA_API_KEY", "sk_car_test")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")  # its LLM
    needed = {"cartesia", "anthropic", "websocket", "silero", "whisper"}
    manager = PluginManager(allow=sorted(needed))
    if needed - {plugin.name for plugin in manager.plugins}:
        pytest.skip("the example's other plugins are not all installed (pip install -r requirements/test.txt)")
    config = load_bot_file(example, registry=manager.registry, environ={})
    assert config.tts is not None and config.tts.name == "cartesia"


def test_a_bot_file_naming_cartesia_without_the_plugin_says_what_to_install() -> None:
    builtins_only = PluginManager(allow=[]).registry
    with pytest.raises(BotFileError) as error:
        load_bot_text(BOT.format(keys=""), file="bot.toml", registry=builtins_only, environ={})
    assert str(error.value) == (
        "bot.toml: tts.use: unknown tts plugin 'cartesia' (installed: tone); "
        "it comes with rtvi-cartesia: pip install -e plugins/rtvi-cartesia"
    )
