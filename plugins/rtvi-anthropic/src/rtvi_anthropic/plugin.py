"""The plugin module the ``rtvi`` entry point names: the ``anthropic`` LLM and its parameters."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import Field
from rtvi_openai.cloud_config import CloudLLMConfig, api_key_env_field

from rtvi_core.plugins import hookimpl

from .llm import DEFAULT_API_KEY_ENV, DEFAULT_BASE_URL, DEFAULT_MAX_TOKENS, DEFAULT_MODEL, AnthropicLLMService


class AnthropicLLMConfig(CloudLLMConfig):
    """Bot-file parameters of :class:`~rtvi_anthropic.llm.AnthropicLLMService`.

    ``api_key``, ``timeout_secs``, ``extra_headers`` and ``extra_body`` are the base's.
    """

    SERVICE = AnthropicLLMService

    base_url: str = Field(
        DEFAULT_BASE_URL,
        description="the API root, without /v1 (POST <base_url>/v1/messages): Anthropic, "
        "a proxy or gateway, or a local test server",
    )
    model: str = Field(DEFAULT_MODEL, description="the Claude model, e.g. claude-sonnet-4-5")
    api_key_env: str | list[str] | None = api_key_env_field(DEFAULT_API_KEY_ENV)
    temperature: float | None = Field(None, ge=0, le=1, description="sampling temperature")
    max_tokens: int = Field(DEFAULT_MAX_TOKENS, gt=0, description="longest reply, in tokens (the API needs one)")
    prompt_caching: bool = Field(
        False,
        description="mark the system prompt and the tools for Anthropic's prompt cache "
        "(cheaper, faster repeated turns; prompts under the model's minimum are not cached)",
    )


@hookimpl
def rtvi_register_llm(register: Callable[[type], None]) -> None:
    """Register the ``anthropic`` LLM."""
    register(AnthropicLLMService)
