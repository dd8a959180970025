"""The built-ins plugin, the registry and the import cost of the plugin system.

Installed plugins (discovery, isolation, listing) are tested through real
distributions in ``test_plugins_install.py``.
"""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest
from pydantic import ValidationError

from rtvi_core.builtins import (
    EchoLLMService,
    EnergyVADAnalyzer,
    JSONFrameSerializer,
    MemoryTransport,
    TextTurnAnalyzer,
    ToneTTSService,
)
from rtvi_core.plugins import KINDS, UnknownComponentError, get_plugin_manager
from rtvi_core.services.transport_params import TransportParams
from rtvi_core.services.vad import VADParams
from rtvi_core.testing import run_bot

BUILTINS = {
    "transports": ("memory", MemoryTransport),
    "serializers": ("json", JSONFrameSerializer),
    "vad": ("energy", EnergyVADAnalyzer),
    "turn_analyzers": ("text", TextTurnAnalyzer),
    "llm": ("echo", EchoLLMService),
    "tts": ("tone", ToneTTSService),
}


@pytest.fixture
def registry():
    return get_plugin_manager(autoload=False).registry


def test_cold_import_loads_neither_pluggy_nor_pydantic():
    code = (
        "import rtvi_core; from rtvi_core import PipelineTask\n"
        "from rtvi_core.builtins import EchoLLMService, MemoryTransport, ToneTTSService, "
        "EnergyVADAnalyzer, JSONFrameSerializer\n"
        "from rtvi_core.plugins import Component\n"
        "import sys; print(sorted(m for m in ('pluggy', 'pydantic') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()}
    assert "rtvi_core.component" in imported  # (lazy names load via importlib: not listed)
    assert {name for name in imported if name.split(".")[0] in ("pluggy", "pydantic")} == set()


def test_builtins_register_through_the_hooks(registry):
    manager = get_plugin_manager(autoload=False)
    assert manager is get_plugin_manager(autoload=False)  # cached
    assert [(p.name, p.distribution) for p in manager.plugins] == [("builtins", "rtvi-core")]
    assert manager.plugins[0].registered == {kind: [name] for kind, (name, _) in BUILTINS.items()}
    assert manager.failures == [] and manager.skipped == []
    for kind in KINDS:
        expected = BUILTINS.get(kind)
        assert registry.names(kind) == ([expected[0]] if expected else [])
    for kind, (name, cls) in BUILTINS.items():
        registration = registry.get(kind, name)
        assert registration.obj is cls and name == cls.PLUGIN_NAME
        assert registration.config_model is cls.Config  # resolved lazily, forbids extras
        assert cls.Config.model_config["extra"] == "forbid"
        assert registration.description == cls.DESCRIPTION != ""
        assert (registration.plugin_name, registration.distribution) == ("builtins", "rtvi-core")


def _defaults(function) -> dict:
    return {
        name: p.default
        for name, p in inspect.signature(function).parameters.items()
        if p.default is not inspect.Parameter.empty
    }


@pytest.mark.parametrize(
    "cls, constructor_defaults",
    [
        (EchoLLMService, lambda: _defaults(EchoLLMService.__init__)),
        (
            ToneTTSService,
            lambda: {**_defaults(ToneTTSService.__init__), **_defaults(ToneTTSService.__mro__[1].__init__)},
        ),
        (EnergyVADAnalyzer, lambda: {**_defaults(EnergyVADAnalyzer.__init__), **vars(VADParams())}),
        (MemoryTransport, lambda: vars(TransportParams())),
    ],
)
def test_config_defaults_match_the_constructors(cls, constructor_defaults):
    defaults = constructor_defaults()
    for name, field in cls.Config.model_fields.items():
        assert field.default == defaults[name], name


def test_create_builds_configured_components(registry):
    transport = registry.get("transports", "memory").create({"audio_out_enabled": True, "audio_out_realtime": False})
    assert transport.params == TransportParams(audio_out_enabled=True, audio_out_realtime=False)
    vad = registry.get("vad", "energy").create({"confidence": 0.5, "speech_dbfs": -30})
    assert vad.params == VADParams(confidence=0.5) and isinstance(vad, EnergyVADAnalyzer)
    assert isinstance(registry.get("serializers", "json").create({}), JSONFrameSerializer)
    tts = registry.get("tts", "tone").create({"word_timestamps": False, "sample_rate": 8000})
    assert (tts._word_timestamps, tts.sample_rate) == (False, 8000)


@pytest.mark.anyio
async def test_created_components_run_in_a_bot(registry):
    llm = registry.get("llm", "echo").create({"fallback": "Heard: {text}"})
    tts = registry.get("tts", "tone").create({"word_timestamps": False})
    async with run_bot(llm=llm, tts=tts) as bot:
        await bot.ready()
        await bot.request("send-text", {"content": "plugins work"})
        await bot.client.wait_for_message("bot-tts-stopped")
    spoken = "".join(m["data"]["text"] for m in bot.client.messages_of("bot-llm-text"))
    assert spoken == "Heard: plugins work"
    assert bot.client.audio


def test_invalid_parameters_are_validation_errors(registry):
    with pytest.raises(ValidationError, match="extra_forbidden"):
        registry.get("llm", "echo").create({"greting": "hi"})
    with pytest.raises(ValidationError, match="speech_dbfs must be above silence_dbfs"):
        registry.get("vad", "energy").create({"speech_dbfs": -60})
    with pytest.raises(ValidationError, match="greater than 0"):
        registry.get("tts", "tone").create({"sample_rate": 0})


def test_unknown_names_suggest_close_ones(registry):
    with pytest.raises(UnknownComponentError) as caught:
        registry.get("llm", "ecko")
    assert str(caught.value) == "unknown LLM service 'ecko'; did you mean 'echo'?"
    error = caught.value
    assert (error.kind, error.name, error.suggestions) == ("llm", "ecko", ["echo"])
    with pytest.raises(UnknownComponentError, match=r"^unknown transport 'ws'; installed: memory$"):
        registry.get("transports", "ws")
    with pytest.raises(UnknownComponentError, match=r"^unknown STT service 'x'; no STT service"):
        registry.get("stt", "x")
    with pytest.raises(ValueError, match="unknown kind 'llms'"):
        registry.names("llms")
