"""The ``openai`` entry point, and the bot-file parameters with the errors they give."""

from __future__ import annotations

import pytest
from openai_loopback import LoopbackServer, sse_reply, text_chunk
from rtvi_openai import OpenAILLMService

from rtvi_core.config import BotFileError, load_bot_text
from rtvi_core.plugins import PluginManager
from rtvi_core.services.llm_context import LLMContext
from rtvi_core.testing.contracts.llm import LLMContract

pytestmark = pytest.mark.rtvi_plugins


@pytest.fixture(scope="module")
def registry():
    manager = PluginManager(allow=["openai"])
    assert manager.failures == []
    return manager.registry


def test_registered_through_the_entry_point(registry) -> None:
    llm = registry.get("llm", "openai").create(
        {
            "base_url": "http://localhost:11434/v1/",
            "model": "llama3.2:1b",
            "temperature": 0.5,
            "extra_body": {"tool_choice": "required"},
        }
    )
    assert isinstance(llm, OpenAILLMService)
    assert llm.url == "http://localhost:11434/v1/chat/completions"
    assert llm.model_name == "llama3.2:1b" and llm.temperature == 0.5
    assert llm.request_body(LLMContext())["tool_choice"] == "required"


def test_plugin_module_does_not_import_httpx() -> None:
    import subprocess
    import sys

    code = "import sys, rtvi_openai.plugin; print('httpx' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


BOT = """
[transport]
use = "memory"

[llm]
use = "openai"
{keys}
"""


@pytest.mark.parametrize(
    ("keys", "fragments"),
    [
        (
            'base_url = "ftp://example.com/v1"',
            ["llm.base_url", "base_url must be an http(s) URL", "'ftp://example.com/v1'"],
        ),
        ("temprature = 0.3", ["llm.temprature"]),
        ("temperature = 3.5", ["llm.temperature", "2"]),
        ("timeout_secs = 0", ["llm.timeout_secs", "0"]),
        ("max_tokens = -5", ["llm.max_tokens"]),
        ("extra_headers = {X-Trace = 5}", ["llm.extra_headers"]),
    ],
)
def test_bad_bot_file_keys_are_named(registry, keys: str, fragments: list[str]) -> None:
    with pytest.raises(BotFileError) as error:
        load_bot_text(BOT.format(keys=keys), registry=registry, environ={})
    message = str(error.value)
    for fragment in fragments:
        assert fragment in message, message


@pytest.mark.anyio
async def test_bot_file_key_from_the_environment_is_sent_and_not_shown(registry, loopback: LoopbackServer) -> None:
    loopback.reply(sse_reply([text_chunk("ok")]))
    keys = f'base_url = "{loopback.url}"\napi_key = "${{env:GROQ_KEY}}"\nmodel = "llama-3.1-8b-instant"'
    spec = load_bot_text(BOT.format(keys=keys), registry=registry, environ={"GROQ_KEY": "gsk-secret"}).llm
    assert "gsk-secret" not in repr(spec.config)
    llm = spec.obj.from_config(spec.config)
    replies = await LLMContract().infer(llm, LLMContext([{"role": "user", "content": "Hi"}]))
    assert replies.texts == ["ok"]
    assert loopback.requests[0].headers["authorization"] == "Bearer gsk-secret"
