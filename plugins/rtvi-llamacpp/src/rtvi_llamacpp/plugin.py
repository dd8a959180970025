"""The plugin module the ``rtvi`` entry point names: the ``llamacpp`` LLM and its parameters."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator

from rtvi_core.plugins import hookimpl
from rtvi_core.record_model import StrictModel, model_from_record

from .llm import LlamaCppLLMService
from .server import ServerSettings

#: The keys that pick the shared server, as ``ServerSettings`` declares them.
_ServerKeys: type[StrictModel] = model_from_record(
    ServerSettings, "_ServerKeys", "The settings of the shared llama.cpp server."
)


class LlamaCppLLMConfig(_ServerKeys):  # type: ignore[misc,valid-type]  # keys built at run time
    """Bot-file parameters of :class:`~rtvi_llamacpp.llm.LlamaCppLLMService`."""

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
