"""``CloudLLMConfig``: the bot-file parameters shared by the cloud LLM services.

A provider's ``Config`` subclasses it, sets :attr:`CloudLLMConfig.SERVICE` and declares
what differs (defaults, descriptions, its own keys); ``api_key``, ``temperature``,
``max_tokens``, ``timeout_secs``, ``extra_headers`` and ``extra_body`` are
:class:`~rtvi_openai.plugin.OpenAILLMConfig`'s.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field, field_validator

from .cloud_llm import CloudLLMService
from .plugin import OpenAILLMConfig


def api_key_env_field(default: str | list[str] | None) -> Any:
    """The ``api_key_env`` field with a provider's default variable(s)."""
    return Field(
        default,
        description="environment variable(s) holding the API key, read at start, the first "
        "one set wins (not needed for a server on localhost); empty: never send a key",
    )


class CloudLLMConfig(OpenAILLMConfig):
    """Bot-file parameters of a :class:`~rtvi_openai.cloud_llm.CloudLLMService`."""

    #: The service whose ``check_base_url`` checks ``base_url``.
    SERVICE: ClassVar[type[CloudLLMService]] = CloudLLMService

    # A cloud key may sit under several names (the first set wins): a wider type than the local base's.
    api_key_env: str | list[str] | None = api_key_env_field(None)  # type: ignore[assignment]

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return cls.SERVICE.check_base_url(value)
