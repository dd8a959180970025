"""``CloudLLMConfig``: the bot-file parameters shared by the cloud LLM services.

A provider's ``Config`` subclasses it, sets :attr:`CloudLLMConfig.SERVICE` and declares
what differs (defaults, descriptions, its own keys); ``api_key``, ``temperature``,
``max_tokens``, ``timeout_secs``, ``extra_headers`` and ``extra_body`` are
:class:`~rtvi_openai.plugin.OpenAILLMConfig`'s.
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

from pydantic import Field, field_validator, model_validator

from .cloud_llm import CloudLLMService, key_from_environment, key_variables
from .llm import is_loopback_url
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

    @model_validator(mode="after")
    def _key_is_set(self) -> Self:
        """No key for a remote server is a bot-file error naming the variable(s) to set
        (``rtvi validate`` shows it; a server on loopback needs none)."""
        names = key_variables(self.api_key_env)
        unset = self.api_key is None and names and key_from_environment(names) is None
        if unset and not is_loopback_url(self.base_url):
            raise ValueError(
                f"no {self.SERVICE.PROVIDER} API key: set the environment variable {' or '.join(names)} "
                '(or api_key = "${env:OTHER_VAR}"); a server on loopback needs none'
            )
        return self
