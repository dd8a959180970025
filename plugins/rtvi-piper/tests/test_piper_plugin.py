"""The plugin: registration, entry point, bot-file parameters (with the bad inputs tried)."""

import inspect
import subprocess
import sys

import pytest
from pydantic import ValidationError
from rtvi_piper import PiperTTSService, plugin

from rtvi_core.plugins import get_plugin_manager
from rtvi_core.records import settings_fields
from rtvi_core.services.tts import TTSService
from rtvi_core.services.tts_params import TTSStreamParams
from rtvi_core.testing import run_bot


def test_registers_as_the_piper_tts():
    registered = []
    plugin.rtvi_register_tts(registered.append)
    assert registered == [PiperTTSService]
    assert PiperTTSService.PLUGIN_NAME == "piper"
    assert PiperTTSService.Config is plugin.PiperTTSConfig


def test_importing_the_plugin_loads_no_model_code():
    # The plugin module is imported whenever rtvi loads plugins: no piper/numpy there.
    code = "import sys, rtvi_piper.plugin; print(sorted({'piper', 'numpy', 'onnxruntime', 'onnx'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_config_defaults_build_a_service():
    config = plugin.PiperTTSConfig()
    assert config.voice == "joe" and config.word_timestamps and config.sample_rate is None
    service = PiperTTSService.from_config(plugin.PiperTTSConfig(length_scale=1.2, sample_rate=16000))
    assert service.voice_name == "joe"


@pytest.mark.parametrize(
    ("params", "key", "expected"),
    [
        ({"voice": "no_such_voice"}, "voice", "not installed"),
        ({"voice": "/nowhere/v.onnx"}, "voice", "not found"),
        ({"speaker": 7}, "speaker", "out of range"),
        ({"speaker": "amy"}, "speaker", "not in the voice"),
        ({"length_scale": 0}, "length_scale", "greater than 0"),
        ({"length_scale": 9}, "length_scale", "less than or equal to 5"),
        ({"noise_scale": -1}, "noise_scale", "greater than or equal to 0"),
        ({"sample_rate": 0}, "sample_rate", "greater than 0"),
        ({"word_timestamps": "sometimes"}, "word_timestamps", "valid boolean"),
        ({"volume": 2}, "volume", "Extra inputs are not permitted"),
    ],
)
def test_bad_parameters_name_key_and_expectation(params, key, expected):
    with pytest.raises(ValidationError) as caught:
        plugin.PiperTTSConfig.model_validate(params)
    [error] = caught.value.errors()
    assert error["loc"] == (key,)
    assert expected in error["msg"]


def test_config_defaults_match_the_constructor():
    defaults = {
        name: p.default
        for cls in (PiperTTSService, TTSService)
        for name, p in inspect.signature(cls.__init__).parameters.items()
        if p.default is not inspect.Parameter.empty
    }
    defaults |= {spec.name: spec.default for spec in settings_fields(TTSStreamParams)}  # the stream= keys
    for name, field in plugin.PiperTTSConfig.model_fields.items():
        assert field.default == defaults[name], name


@pytest.mark.rtvi_plugins
@pytest.mark.anyio
async def test_a_bot_file_component_speaks_through_the_entry_point():
    registry = get_plugin_manager().registry
    registration = registry.get("tts", "piper")
    assert registration.distribution == "rtvi-piper"
    tts = registration.create({"voice": "joe", "word_timestamps": False, "length_scale": "1.1"})
    async with run_bot(tts=tts) as bot:
        await bot.ready()
        await bot.request("send-text", {"content": "plugins work"})
        await bot.client.wait_for_message("bot-tts-stopped", timeout=30)
    spoken = [m["data"]["text"] for m in bot.client.messages_of("bot-tts-text")]
    assert spoken == ["You said:", "plugins work"]  # the first clause first
    assert bot.client.audio
