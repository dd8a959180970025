"""The ``elevenlabs`` entry point, and the bot-file parameters with the errors they give."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from elevenlabs_fake import API_KEY, FakeElevenLabs
from rtvi_elevenlabs import ElevenLabsTTSService

from rtvi_core.config import BotFileError, load_bot_file, load_bot_text
from rtvi_core.frames import TTSSpeakFrame
from rtvi_core.plugins import PluginManager
from rtvi_core.testing.contracts.tts import TTSContract

pytestmark = pytest.mark.rtvi_plugins


@pytest.fixture(scope="module")
def registry():
    manager = PluginManager(allow=["elevenlabs"])
    assert manager.failures == []
    return manager.registry


def test_registered_through_the_entry_point(registry, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ELEVENLABS_API_KEY", "from-the-environment")
    tts = registry.get("tts", "elevenlabs").create(
        {"base_url": "https://api.eu.residency.elevenlabs.io/", "voice_id": "abc", "speed": 0.9, "stability": 0.5}
    )
    assert isinstance(tts, ElevenLabsTTSService)
    assert tts.base_url == "wss://api.eu.residency.elevenlabs.io"
    assert tts.voice_id == "abc" and tts.model == "eleven_flash_v2_5"
    assert tts.voice_settings == {"speed": 0.9, "stability": 0.5}


def test_plugin_module_does_not_import_websockets() -> None:
    code = "import sys, rtvi_elevenlabs.plugin; print('websockets' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


BOT = """
[transport]
use = "memory"

[llm]
use = "echo"

[tts]
use = "elevenlabs"
{keys}
"""


@pytest.mark.parametrize(
    ("keys", "fragments"),
    [
        ('base_url = "api.elevenlabs.io"', ["tts.base_url", "base_url must be a wss://", "'api.elevenlabs.io'"]),
        ('base_url = "ftp://example.com"', ["tts.base_url", "base_url must be a wss://"]),
        ("speeed = 1.0", ["tts.speeed"]),
        ("speed = 2.0", ["tts.speed", "1.2"]),
        ("stability = -0.1", ["tts.stability", "0"]),
        ("sample_rate = 32000", ["tts.sample_rate", "8000, 16000, 22050, 24000, 44100, 48000 Hz only, not 32000"]),
        ('voice_id = ""', ["tts.voice_id"]),
        ("inactivity_timeout = 600", ["tts.inactivity_timeout", "180"]),
        ("timeout_secs = 0", ["tts.timeout_secs"]),
    ],
)
def test_bad_bot_file_keys_are_named(registry, keys: str, fragments: list[str], monkeypatch) -> None:
    monkeypatch.setenv("ELEVENLABS_API_KEY", "set")
    with pytest.raises(BotFileError) as error:
        load_bot_text(BOT.format(keys=keys), registry=registry, environ={})
    message = str(error.value)
    for fragment in fragments:
        assert fragment in message, message


def test_a_missing_key_is_named(registry, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ELEVENLABS_API_KEY", raising=False)
    with pytest.raises(BotFileError) as error:
        load_bot_text(BOT.format(keys=""), registry=registry, environ={})
    assert "no ElevenLabs API key: set the environment variable ELEVENLABS_API_KEY" in str(error.value)
    # A local test server needs none.
    load_bot_text(BOT.format(keys='base_url = "ws://127.0.0.1:8123"'), registry=registry, environ={})


def test_a_key_reference_to_an_unset_variable_is_named(registry) -> None:
    with pytest.raises(BotFileError) as error:
        load_bot_text(BOT.format(keys='api_key = "${env:MY_11_KEY}"'), registry=registry, environ={})
    assert "environment variable 'MY_11_KEY' is not set" in str(error.value)


@pytest.mark.anyio
async def test_bot_file_key_from_the_environment_is_sent_and_not_shown(registry, fake: FakeElevenLabs) -> None:
    keys = f'base_url = "{fake.url}"\napi_key = "${{env:MY_11_KEY}}"'
    spec = load_bot_text(BOT.format(keys=keys), registry=registry, environ={"MY_11_KEY": API_KEY}).tts
    assert API_KEY not in repr(spec.config)
    tts = spec.obj.from_config(spec.config)
    spoken = await TTSContract().speak(tts, TTSSpeakFrame(text="Hello."))
    assert not spoken.errors and spoken.audio_frames
    assert fake.handshakes[0].headers["xi-api-key"] == API_KEY


def test_the_example_bot_file_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ELEVENLABS_API_KEY", "set")
    example = Path(__file__).parents[3] / "examples" / "elevenlabs-bot.toml"
    needed = {"elevenlabs", "websocket", "silero", "whisper"}
    manager = PluginManager(allow=sorted(needed))
    if needed - {plugin.name for plugin in manager.plugins}:
        pytest.skip("the example's other plugins are not all installed (pip install -r requirements/test.txt)")
    config = load_bot_file(example, registry=manager.registry, environ={})
    assert config.tts.name == "elevenlabs"


def rtvi(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in ("ELEVENLABS_API_KEY", "RTVI_PLUGINS_BLOCK")} | env
    return subprocess.run(
        [sys.executable, "-m", "rtvi_core.cli", *args], capture_output=True, text=True, env=environ, timeout=60
    )


def test_rtvi_validate_names_the_missing_key(tmp_path: Path) -> None:
    bot = tmp_path / "bot.toml"
    bot.write_text(BOT.format(keys=""))
    result = rtvi("validate", str(bot))
    assert result.returncode == 1
    assert "tts plugin 'elevenlabs'" in result.stderr
    assert "no ElevenLabs API key: set the environment variable ELEVENLABS_API_KEY" in result.stderr


def test_rtvi_run_names_the_package_when_the_plugin_is_missing(tmp_path: Path) -> None:
    bot = tmp_path / "bot.toml"
    bot.write_text(BOT.format(keys=""))
    result = rtvi("run", str(bot), RTVI_PLUGINS_BLOCK="elevenlabs")
    assert result.returncode == 1
    assert (
        "tts.use: unknown tts plugin 'elevenlabs' (installed: " in result.stderr
        and "it comes with rtvi-elevenlabs: pip install -e plugins/rtvi-elevenlabs" in result.stderr
    ), result.stderr
