"""The plugin module the ``rtvi`` entry point names: the ``openai`` LLM and its parameters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from rtvi_core.plugins import hookimpl

from .llm import (
    DEFAULT_API_KEY_ENV,
    DEFAULT_BASE_URL,
    DEFAULT_MODEL,
    OpenAILLMService,
    check_base_url,
)


class OpenAILLMConfig(BaseModel):
    """Bot-file parameters of :class:`~rtvi_openai.llm.OpenAILLMService`."""

    model_config = ConfigDict(extra="forbid")

    base_url: str = Field(
        DEFAULT_BASE_URL,
        description="the API root: OpenAI, or e.g. http://localhost:11434/v1 (Ollama), "
        "http://localhost:8000/v1 (vLLM), http://localhost:8080/v1 (llama.cpp)",
    )
    model: str = Field(DEFAULT_MODEL, description="the model name the server expects")
    api_key: SecretStr | None = Field(
        None, description='the API key itself, e.g. "${env:GROQ_API_KEY}"; overrides api_key_env'
    )
    api_key_env: str | None = Field(
        DEFAULT_API_KEY_ENV,
        description="environment variable holding the API key, read at start "
        "(not needed for a server on localhost); empty: never send a key",
    )
    temperature: float | None = Field(None, ge=0, le=2, description="sampling temperature")
    max_tokens: int | None = Field(None, gt=0, description="longest reply, in tokens")
    timeout_secs: float = Field(
        30.0,
        gt=0,
        description="limit for connecting and for each wait for data, the first token included",
    )
    extra_headers: dict[str, str] = Field(default_factory=dict, description="added to each request")
    extra_body: dict[str, Any] = Field(
        default_factory=dict,
        description='merged into each request body last, e.g. {tool_choice = "required"}',
    )

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return check_base_url(value)


@hookimpl
def rtvi_register_llm(register: Callable[[type], None]) -> None:
    """Register the ``openai`` LLM."""
    register(OpenAILLMService)
