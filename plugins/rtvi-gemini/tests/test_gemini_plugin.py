"""The ``gemini`` entry point, and the bot-file parameters with the errors they give."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from gemini_fake import FakeGemini
from rtvi_gemini import GeminiLLMService

from rtvi_core.config import BotFileError, load_bot_file, load_bot_text
from rtvi_core.plugins import PluginManager
from rtvi_core.services.llm_context import LLMContext
from rtvi_core.testing.contracts.llm import LLMContract
from rtvi_core.testing.scripted_model import GREETING

pytestmark = pytest.mark.rtvi_plugins

BOT = """
[transport]
use = "memory"

[llm]
use = "gemini"
{keys}
"""


@pytest.fixture(scope="module")
def registry():
    manager = PluginManager(allow=["gemini"])
    assert manager.failures == []
    return manager.registry


def test_registered_through_the_entry_point(registry, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VERTEX_PROXY_KEY", "test-key")
    llm = registry.get("llm", "gemini").create(
        {
            "base_url": "https://europe-gateway.example.com/google/",
            "api_version": "v1",
            "model": "gemini-2.5-pro",
            "api_key_env": "VERTEX_PROXY_KEY",
            "thinking_budget": 128,
            "max_tokens": 99,
        }
    )
    assert isinstance(llm, GeminiLLMService)
    assert llm.url == "https://europe-gateway.example.com/google/v1/models/gemini-2.5-pro:streamGenerateContent?alt=sse"
    assert llm.key_source == "the environment variable VERTEX_PROXY_KEY (or [llm] api_key)"
    config = llm.request_body(LLMContext([{"role": "user", "content": "Hi"}]))["generationConfig"]
    assert config == {"maxOutputTokens": 99, "thinkingConfig": {"thinkingBudget": 128}}


def test_plugin_module_does_not_import_httpx() -> None:
    code = "import sys, rtvi_gemini.plugin; print('httpx' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("keys", "fragments"),
    [
        ('base_url = "generativelanguage.googleapis.com"', ["llm.base_url", "without the version"]),
        ('api_version = "beta"', ["llm.api_version"]),
        ("temperature = 2.5", ["llm.temperature", "2"]),
        ("thinking_budget = -2", ["llm.thinking_budget", "-1"]),
        ("api_key_env = 5", ["llm.api_key_env"]),
        ("modle = 'gemini-2.5-pro'", ["llm.modle"]),
    ],
)
def test_bad_bot_file_keys_are_named(registry, keys: str, fragments: list[str]) -> None:
    with pytest.raises(BotFileError) as error:
        load_bot_text(BOT.format(keys=keys), registry=registry, environ={})
    message = str(error.value)
    for fragment in fragments:
        assert fragment in message, message


@pytest.mark.anyio
async def test_bot_file_key_from_the_environment_is_sent_and_not_shown(registry, fake: FakeGemini) -> None:
    keys = f'base_url = "{fake.url}"\napi_key = "${{env:MY_GEMINI_KEY}}"'
    spec = load_bot_text(BOT.format(keys=keys), registry=registry, environ={"MY_GEMINI_KEY": "AIza-secret"}).llm
    assert "AIza-secret" not in repr(spec.config)
    llm = spec.obj.from_config(spec.config)
    replies = await LLMContract().infer(llm, LLMContext([{"role": "user", "content": "Hi"}]))
    assert replies.texts == [GREETING]
    assert fake.requests[0].headers["x-goog-api-key"] == "AIza-secret"


def test_the_example_bot_file_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "test-key")
    example = Path(__file__).parents[3] / "examples" / "gemini-bot.toml"
    needed = {"gemini", "websocket", "silero", "whisper", "piper"}
    manager = PluginManager(allow=sorted(needed))
    if needed - {plugin.name for plugin in manager.plugins}:
        pytest.skip("the example's other plugins are not all installed (pip install -r requirements/test.txt)")
    config = load_bot_file(example, registry=manager.registry, environ={})
    assert config.llm.config.thinking_budget == 0


def test_a_missing_key_is_named_by_validation(registry, monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("GEMINI_API_KEY", "GOOGLE_API_KEY"):
        monkeypatch.delenv(variable, raising=False)
    model = registry.get("llm", "gemini").config_model
    with pytest.raises(ValueError, match="no Gemini API key: set the environment variable GEMINI_API_KEY"):
        model.model_validate({})
    model.model_validate({"base_url": "http://127.0.0.1:9"})  # a server on loopback needs none
    monkeypatch.setenv("GEMINI_API_KEY", "test-key")
    model.model_validate({})
