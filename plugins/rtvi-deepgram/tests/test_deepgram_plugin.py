"""The ``deepgram`` entry point, the bot-file parameters with the errors they give, and what
the stream asks of Deepgram (query, key, events) as the fake sees it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from deepgram_fake import API_KEY, FakeDeepgram
from rtvi_deepgram import DeepgramSTTService

from rtvi_core.config import BotFileError, load_bot_file, load_bot_text
from rtvi_core.frames import VADUserStartedSpeakingFrame, VADUserStoppedSpeakingFrame
from rtvi_core.plugins import PluginManager
from rtvi_core.plugins.registry import Registry
from rtvi_core.testing.contracts.stt import STTContract, got

speaker = STTContract()
speaker.timeout = 20.0
WEATHER = "What is the weather like in Paris today?"


@pytest.fixture(scope="module")
def registry() -> Registry:
    manager = PluginManager(allow=["deepgram"])
    assert manager.failures == []
    return manager.registry


@pytest.mark.rtvi_plugins
def test_registered_through_the_entry_point(registry: Registry) -> None:
    stt = registry.get("stt", "deepgram").create(
        {"base_url": "https://api.eu.deepgram.com/", "model": "nova-2-phonecall", "keyterms": ["Paris"]}
    )
    assert isinstance(stt, DeepgramSTTService)
    assert stt.base_url == "wss://api.eu.deepgram.com"
    assert stt.options.model == "nova-2-phonecall" and stt.options.keyterms == ("Paris",)


def test_plugin_module_does_not_import_websockets() -> None:
    code = "import sys, rtvi_deepgram.plugin; print('websockets' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


BOT = """
[transport]
use = "memory"

[llm]
use = "echo"

[stt]
use = "deepgram"
{keys}
"""


@pytest.mark.rtvi_plugins
@pytest.mark.parametrize(
    ("keys", "fragments"),
    [
        ('base_url = "api.deepgram.com"', ["stt.base_url", "base_url must be a wss://", "'api.deepgram.com'"]),
        ("modle = 'nova-3'", ["stt.modle"]),
        ('model = ""', ["stt.model"]),
        ("endpointing = -1", ["stt.endpointing", "0"]),
        ('smart_format = "yes"', ["stt.smart_format"]),
        ("utterance_end_ms = 500", ["stt.utterance_end_ms", "1000"]),
        ("utterance_end_ms = 1000\ninterim_results = false", ["utterance_end_ms needs interim_results = true"]),
        ('keyterms = ["Paris", " "]', ["stt.keyterms", "keyterms must not be empty strings"]),
        ('keyterms = "Paris"', ["stt.keyterms"]),
        ("keepalive_secs = 12", ["stt.keepalive_secs", "10"]),
        ("timeout_secs = 0", ["stt.timeout_secs"]),
        ("max_reconnects = -1", ["stt.max_reconnects"]),
        ('api_key = "${env:DG_MISSING_KEY}"', ["DG_MISSING_KEY", "is not set"]),
        ("extra_params = { model = 'nova-2', diarize = true }", ["stt.extra_params", "may not set model"]),
        ("extra_params = { diarize = [1] }", ["stt.extra_params"]),
    ],
)
def test_bad_bot_file_keys_are_named(registry: Registry, keys: str, fragments: list[str]) -> None:
    with pytest.raises(BotFileError) as error:
        load_bot_text(BOT.format(keys=keys), registry=registry, environ={})
    message = str(error.value)
    for fragment in fragments:
        assert fragment in message, message


@pytest.mark.rtvi_plugins
@pytest.mark.anyio
async def test_bot_file_key_from_the_environment_is_sent_and_not_shown(registry: Registry, fake: FakeDeepgram) -> None:
    keys = f'base_url = "{fake.url}"\napi_key = "${{env:MY_DG_KEY}}"\nkeyterms = ["Paris", "rtvi"]\nlanguage = "en-US"'
    spec = load_bot_text(BOT.format(keys=keys), registry=registry, environ={"MY_DG_KEY": API_KEY}).stt
    assert spec is not None and API_KEY not in repr(spec.config)
    stt = spec.obj.from_config(spec.config)
    heard = await speaker.hear(stt, *speaker.utterance(speaker.clip_pcm("weather-question")), until=got(1))
    assert heard.texts == [WEATHER] and heard.finals[0].language == "en-US"
    stream = fake.streams[0]
    assert stream.headers["authorization"] == f"Token {API_KEY}"
    assert stream.query["keyterm"] == ["Paris", "rtvi"]
    expected = {"model": "nova-3", "encoding": "linear16", "sample_rate": "16000", "channels": "1"}
    assert {key: stream.query[key][0] for key in expected} == expected


@pytest.mark.rtvi_plugins
def test_the_example_bot_file_is_valid(registry: Registry) -> None:
    example = Path(__file__).parents[3] / "examples" / "deepgram-bot.toml"
    needed = {"deepgram", "websocket", "silero", "piper"}
    manager = PluginManager(allow=sorted(needed))
    if needed - {plugin.name for plugin in manager.plugins}:
        pytest.skip("the example's other plugins are not all installed (pip install -r requirements/test.txt)")
    with pytest.raises(BotFileError, match="DEEPGRAM_API_KEY"):  # rtvi validate names the missing key
        load_bot_file(example, registry=manager.registry, environ={})
    config = load_bot_file(example, registry=manager.registry, environ={"DEEPGRAM_API_KEY": "dg-key"})
    assert config.stt is not None and config.stt.config.keyterms


@pytest.mark.anyio
async def test_deepgram_events_fire(fake: FakeDeepgram) -> None:
    """``SpeechStarted`` (vad_events) and ``UtteranceEnd`` (utterance_end_ms) reach the event handlers."""
    stt = DeepgramSTTService(base_url=fake.url, api_key=API_KEY, vad_events=True, utterance_end_ms=1000)
    seen: list[Any] = []

    @stt.event_handler("on_speech_started")
    def started(service: DeepgramSTTService, event: Any) -> None:
        seen.append(event)

    @stt.event_handler("on_utterance_end")
    def ended(service: DeepgramSTTService, event: Any) -> None:
        seen.append(event)

    pcm = speaker.clip_pcm("weather-question")
    frames = speaker.audio_frames(pcm + bytes(2 * 16000 * 3 // 2))  # no VAD: Deepgram's events end the turn
    heard = await speaker.hear(stt, *frames, until=got(1))
    assert heard.texts == [WEATHER] and not heard.errors
    assert [type(event).__name__ for event in seen] == ["SpeechStarted", "UtteranceEnd"]
    assert fake.streams[0].query["utterance_end_ms"] == ["1000"] and fake.streams[0].query["vad_events"] == ["true"]


@pytest.mark.anyio
async def test_without_a_vad_endpointing_ends_the_turn(fake: FakeDeepgram) -> None:
    """No VAD frames: Deepgram's ``speech_final`` completes each turn, and no Finalize is sent."""
    stt = DeepgramSTTService(base_url=fake.url, api_key=API_KEY)
    frames = [f for f in speaker.utterance(speaker.clip_pcm("weather-question"))]
    frames = [f for f in frames if not isinstance(f, (VADUserStartedSpeakingFrame, VADUserStoppedSpeakingFrame))]
    frames += speaker.audio_frames(bytes(2 * 16000 // 2))
    heard = await speaker.hear(stt, *frames, until=got(1))
    assert heard.texts == [WEATHER]
    assert "Finalize" not in fake.streams[0].controls


def test_a_bot_file_naming_deepgram_without_the_plugin_names_the_package() -> None:
    builtins_only = PluginManager(autoload=False).registry
    with pytest.raises(BotFileError) as error:
        load_bot_text(BOT.format(keys=""), registry=builtins_only, environ={})
    assert (
        "stt.use: unknown stt plugin 'deepgram' (no stt plugins are installed); it comes with rtvi-deepgram: "
        "pip install -e plugins/rtvi-deepgram"
    ) in str(error.value)
