"""The plugin module the ``rtvi`` entry point names: the ``anthropic`` LLM and its parameters."""

from __future__ import annotations

from typing import Callable

from pydantic import Field, field_validator
from rtvi_openai.plugin import OpenAILLMConfig

from rtvi_core.hookspecs import hookimpl

from .llm import (
    DEFAULT_API_KEY_ENV,
    DEFAULT_BASE_URL,
    DEFAULT_MAX_TOKENS,
    DEFAULT_MODEL,
    AnthropicLLMService,
    check_base_url,
)


class AnthropicLLMConfig(OpenAILLMConfig):
    """Bot-file parameters of :class:`~rtvi_anthropic.llm.AnthropicLLMService`.

    ``api_key``, ``timeout_secs``, ``extra_headers`` and ``extra_body`` are ``rtvi-openai``'s.
    """

    base_url: str = Field(
        DEFAULT_BASE_URL,
        description="the API root, without /v1 (POST <base_url>/v1/messages): Anthropic, "
        "a proxy or gateway, or a local test server",
    )
    model: str = Field(DEFAULT_MODEL, description="the Claude model, e.g. claude-sonnet-4-5")
    api_key_env: str | None = Field(
        DEFAULT_API_KEY_ENV,
        description="environment variable holding the API key, read at start "
        "(not needed for a server on localhost); empty: never send a key",
    )
    temperature: float | None = Field(None, ge=0, le=1, description="sampling temperature")
    max_tokens: int = Field(
        DEFAULT_MAX_TOKENS, gt=0, description="longest reply, in tokens (the API needs one)"
    )
    prompt_caching: bool = Field(
        False,
        description="mark the system prompt and the tools for Anthropic's prompt cache "
        "(cheaper, faster repeated turns; prompts under the model's minimum are not cached)",
    )

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return check_base_url(value)


@hookimpl
def rtvi_register_llm(register: Callable[[type], None]) -> None:
    """Register the ``anthropic`` LLM."""
    register(AnthropicLLMService)
