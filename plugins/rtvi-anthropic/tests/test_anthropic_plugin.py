"""The ``anthropic`` entry point, and the bot-file parameters with the errors they give."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from anthropic_fake import FakeAnthropic
from rtvi_anthropic import AnthropicLLMService

from rtvi_core.config import BotFileError, load_bot_file, load_bot_text
from rtvi_core.plugins import PluginManager
from rtvi_core.services.llm_context import LLMContext
from rtvi_core.testing.contracts.llm import LLMContract

pytestmark = pytest.mark.rtvi_plugins


@pytest.fixture(scope="module")
def registry():
    manager = PluginManager(allow=["anthropic"])
    assert manager.failures == []
    return manager.registry


def test_registered_through_the_entry_point(registry, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    llm = registry.get("llm", "anthropic").create(
        {
            "base_url": "https://gateway.example.com/anthropic/",
            "model": "claude-sonnet-4-5",
            "temperature": 0.5,
            "prompt_caching": True,
            "extra_body": {"top_k": 3},
        }
    )
    assert isinstance(llm, AnthropicLLMService)
    assert llm.url == "https://gateway.example.com/anthropic/v1/messages"
    assert llm.model_name == "claude-sonnet-4-5" and llm.temperature == 0.5 and llm.max_tokens == 1024
    body = llm.request_body(LLMContext([{"role": "user", "content": "Hi"}]))
    assert body["top_k"] == 3


def test_plugin_module_does_not_import_httpx() -> None:
    code = "import sys, rtvi_anthropic.plugin; print('httpx' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


BOT = """
[transport]
use = "memory"

[llm]
use = "anthropic"
{keys}
"""


@pytest.mark.parametrize(
    ("keys", "fragments"),
    [
        ('base_url = "api.anthropic.com"', ["llm.base_url", "base_url must be an http(s) URL", "'api.anthropic.com'"]),
        ("temprature = 0.3", ["llm.temprature"]),
        ("temperature = 1.5", ["llm.temperature", "1"]),
        ("max_tokens = 0", ["llm.max_tokens", "0"]),
        ('prompt_caching = "yes"', ["llm.prompt_caching"]),
        ("timeout_secs = -1", ["llm.timeout_secs"]),
    ],
)
def test_bad_bot_file_keys_are_named(registry, keys: str, fragments: list[str]) -> None:
    with pytest.raises(BotFileError) as error:
        load_bot_text(BOT.format(keys=keys), registry=registry, environ={})
    message = str(error.value)
    for fragment in fragments:
        assert fragment in message, message


@pytest.mark.anyio
async def test_bot_file_key_from_the_environment_is_sent_and_not_shown(registry, fake: FakeAnthropic) -> None:
    keys = f'base_url = "{fake.url}"\napi_key = "${{env:MY_CLAUDE_KEY}}"'
    spec = load_bot_text(BOT.format(keys=keys), registry=registry, environ={"MY_CLAUDE_KEY": "sk-ant-secret"}).llm
    assert "sk-ant-secret" not in repr(spec.config)
    llm = spec.obj.from_config(spec.config)
    replies = await LLMContract().infer(llm, LLMContext([{"role": "user", "content": "Hi"}]))
    assert replies.texts == ["Hello! How can I help you today?"]
    assert fake.requests[0].headers["x-api-key"] == "sk-ant-secret"


def test_the_example_bot_file_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    example = Path(__file__).parents[3] / "examples" / "anthropic-bot.toml"
    needed = {"anthropic", "websocket", "silero", "whisper", "piper"}
    manager = PluginManager(allow=sorted(needed))
    if needed - {plugin.name for plugin in manager.plugins}:
        pytest.skip("the example's other plugins are not all installed (pip install -r requirements/test.txt)")
    config = load_bot_file(example, registry=manager.registry, environ={})
    assert config.llm.config.prompt_caching is True


def test_a_missing_key_is_named_by_validation(registry, monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("ANTHROPIC_API_KEY", "GOOGLE_API_KEY"):
        monkeypatch.delenv(variable, raising=False)
    model = registry.get("llm", "anthropic").config_model
    with pytest.raises(ValueError, match="no Anthropic API key: set the environment variable ANTHROPIC_API_KEY"):
        model.model_validate({})
    model.model_validate({"base_url": "http://127.0.0.1:9"})  # a server on loopback needs none
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    model.model_validate({})
