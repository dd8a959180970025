"""The plugin module the ``rtvi`` entry point names: the ``gemini`` LLM and its parameters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import Field
from rtvi_openai.cloud_config import CloudLLMConfig, api_key_env_field

from rtvi_core.plugins import hookimpl

from .llm import DEFAULT_API_KEY_ENV, DEFAULT_API_VERSION, DEFAULT_BASE_URL, DEFAULT_MODEL, GeminiLLMService


class GeminiLLMConfig(CloudLLMConfig):
    """Bot-file parameters of :class:`~rtvi_gemini.llm.GeminiLLMService`.

    ``api_key``, ``temperature``, ``max_tokens``, ``timeout_secs`` and ``extra_headers``
    are the base's.
    """

    SERVICE = GeminiLLMService

    base_url: str = Field(
        DEFAULT_BASE_URL,
        description="the API root, without the version: Google's, a proxy or gateway, or a local test server",
    )
    api_version: str = Field(
        DEFAULT_API_VERSION, pattern=r"^v\w+$", description="the API version in the path (v1beta, v1)"
    )
    model: str = Field(DEFAULT_MODEL, description="the Gemini model, e.g. gemini-2.5-flash-lite")
    api_key_env: str | list[str] | None = api_key_env_field(list(DEFAULT_API_KEY_ENV))
    thinking_budget: int | None = Field(
        None,
        ge=-1,
        description="tokens the model may think before answering (0: no thinking, the "
        "fastest first word; -1: the model decides); none: the model's default",
    )
    extra_body: dict[str, Any] = Field(
        default_factory=dict,
        description="merged into each request body last, object into object, "
        "e.g. {generationConfig = {topP = 0.9}, safetySettings = [...]}",
    )


@hookimpl
def rtvi_register_llm(register: Callable[[type], None]) -> None:
    """Register the ``gemini`` LLM."""
    register(GeminiLLMService)
