"""Against a real OpenAI-compatible server: llama.cpp (xllamacpp) running SmolLM2-135M.

SmolLM2 does not call tools on its own, so the tool-call turn forces it: the server
gets a chat template with tools (``data/smollm2_tools.jinja``), the request sets
``tool_choice: "required"``, and the turn ends with the assistant prefill
``<tool_call>`` so that the grammar-constrained call starts at once. Temperature 0.
"""

from __future__ import annotations

import statistics
import time

import pytest
from rtvi_openai import OpenAILLMService

from rtvi_core.services.llm import LLMService
from rtvi_core.services.llm_context import LLMContext
from rtvi_core.testing.contracts.llm import LLMContract

#: Short replies keep the suite quick on a shared CPU.
MAX_TOKENS = 24


def smollm2(url: str, **options: object) -> OpenAILLMService:
    settings: dict[str, object] = {"model": "smollm2", "temperature": 0, "max_tokens": MAX_TOKENS}
    return OpenAILLMService(base_url=url, **(settings | options))


class TestSmolLM2Contract(LLMContract):
    timeout = 60.0
    tool_messages = (
        {"role": "user", "content": "What is the weather like in Paris today?"},
        {"role": "assistant", "content": "<tool_call>\n"},
    )

    @pytest.fixture
    def llm(self, llama_server: str) -> LLMService:
        return smollm2(llama_server)

    @pytest.fixture
    def tool_llm(self, llama_server: str) -> LLMService:
        return smollm2(llama_server, max_tokens=64, extra_body={"tool_choice": "required"})


@pytest.mark.anyio
async def test_first_token_latency_and_speed(llama_server: str) -> None:
    """Streams several replies; reports the medians (no timing is asserted)."""
    llm = smollm2(llama_server, max_tokens=48)
    first_tokens, speeds = [], []
    for question in ("Why is the sky blue?", "Name three fruits.", "What is a robot?", "Describe Paris."):
        context = LLMContext([{"role": "user", "content": question}])
        started, first, chunks = time.perf_counter(), None, 0
        async for item in llm.generate(context):
            if isinstance(item, str):
                first = first or time.perf_counter()
                chunks += 1
        assert first is not None and chunks > 1
        first_tokens.append(first - started)
        speeds.append((chunks - 1) / (time.perf_counter() - first))
    await llm.cleanup()
    print(
        f"\nSmolLM2 over HTTP SSE: first token {statistics.median(first_tokens) * 1000:.0f} ms, "
        f"{statistics.median(speeds):.0f} chunks/s (medians of {len(speeds)})"
    )


@pytest.mark.anyio
async def test_a_context_too_long_for_the_model_is_a_clear_error(llama_server: str) -> None:
    too_long = LLMContext([{"role": "user", "content": "word " * 5000}])
    short = LLMContext([{"role": "user", "content": "Say hi."}])
    replies = await LLMContract().infer(smollm2(llama_server), too_long, short)
    ((error, fatal),) = [(e.error, e.fatal) for e in replies.errors]
    assert not fatal
    assert error.startswith(f"{llama_server}/chat/completions answered HTTP 400: "), error
    assert "context" in error, error
    print(f"\nllama.cpp's answer to an over-long context: {error}")
    assert replies.framing() == ["start", "end", "start", "text", "end"]
