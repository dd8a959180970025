"""The LLM contract suite against the core's rule-based echo LLM."""

from __future__ import annotations

import pytest

from rtvi_core.builtins.echo_llm import EchoLLMService, ToolRule
from rtvi_core.services.llm import LLMService
from rtvi_core.testing.contracts.llm import LLMContract


class TestEchoLLMContract(LLMContract):
    # The echo LLM repeats the prompt: "You said: Say hello in one short sentence."
    expected_words = ("hello",)

    @pytest.fixture
    def llm(self) -> LLMService:
        # Paced so that an interruption lands mid-reply, as with a real model.
        return EchoLLMService(token_delay=0.01)

    @pytest.fixture
    def tool_llm(self) -> LLMService:
        return EchoLLMService(tool_rules=[ToolRule(r"weather .*\bin (\w+)", "get_weather", {"city": "{1}"})])
