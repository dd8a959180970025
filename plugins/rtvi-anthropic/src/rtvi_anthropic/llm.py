"""``AnthropicLLMService``: Claude through the streaming Messages API."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Mapping, Sequence
from typing import Any

from rtvi_openai.cloud_llm import CloudLLMService, CloudRequestError

from rtvi_core.plugins import LazyConfig
from rtvi_core.services.llm import LLMOutput
from rtvi_core.services.llm_context import LLMContext

from .errors import status_error
from .log import logger
from .request import cached, convert_messages, convert_tools
from .stream import read_events

DEFAULT_BASE_URL = "https://api.anthropic.com"
DEFAULT_MODEL = "claude-haiku-4-5"
DEFAULT_API_KEY_ENV = "ANTHROPIC_API_KEY"
DEFAULT_MAX_TOKENS = 1024
#: The ``anthropic-version`` header sent (``extra_headers`` may override it).
API_VERSION = "2023-06-01"


class AnthropicLLMService(CloudLLMService):
    """An LLM answering through ``POST <base_url>/v1/messages`` with ``stream: true``.

    The context's system messages become the ``system`` prompt, its turns the
    ``messages`` (tool calls as ``tool_use`` blocks, their results as ``tool_result``
    blocks, images as ``image`` blocks), its tools Anthropic tools; with
    ``prompt_caching`` the system prompt and tools are marked for caching. Text
    deltas become the reply, ``tool_use`` blocks tool calls, and the usage (cache
    counts included) usage metrics. The API key is ``api_key`` or, read at start,
    the environment variable ``api_key_env``; a server on the loopback interface
    needs none. Every failure is a non-fatal error saying what to do; the next turn
    tries again. An interruption closes the HTTP response at once.
    """

    PLUGIN_NAME = "anthropic"
    DESCRIPTION = "Anthropic Claude through the streaming Messages API, with tool use and prompt caching"
    Config = LazyConfig("rtvi_anthropic.plugin:AnthropicLLMConfig")
    PROVIDER = "Anthropic"
    DEFAULT_BASE_URL = DEFAULT_BASE_URL
    BASE_URL_NOTE = "without /v1"
    LOGGER = logger

    def __init__(
        self,
        *,
        base_url: str = DEFAULT_BASE_URL,
        model: str = DEFAULT_MODEL,
        api_key_env: str | Sequence[str] | None = DEFAULT_API_KEY_ENV,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        prompt_caching: bool = False,
        **options: Any,
    ) -> None:
        super().__init__(base_url=base_url, model=model, api_key_env=api_key_env, max_tokens=max_tokens, **options)
        self.prompt_caching = prompt_caching

    def endpoint(self) -> str:
        return f"{self.base_url}/v1/messages"

    def auth_headers(self, key: str) -> dict[str, str]:
        return {"x-api-key": key}

    def request_body(self, context: LLMContext) -> dict[str, Any]:
        """The JSON body of the request for ``context`` (``extra_body`` applied last).

        ``ValueError`` says what in the context cannot be sent.
        """
        system, messages = convert_messages(context.messages)
        if not messages:
            raise ValueError("the context has no message to answer")
        tools = convert_tools(context.tools)
        system_prompt: str | list[dict[str, Any]] = system
        if self.prompt_caching:
            system_prompt, tools = cached(system, tools)
        body: dict[str, Any] = {
            "model": self.model_name,
            "max_tokens": self.max_tokens,
            "messages": messages,
            "stream": True,
        }
        optional = {"system": system_prompt, "tools": tools, "temperature": self.temperature}
        body |= {key: value for key, value in optional.items() if value not in (None, "", [])}
        return body | self._extra_body

    async def prepare(self) -> str | None:
        """Read the API key; send ``anthropic-version`` with every request."""
        problem = await super().prepare()
        self._headers = {"anthropic-version": API_VERSION} | (self._headers or {})
        return problem

    def read_stream(self, events: AsyncIterator[dict[str, Any]]) -> AsyncGenerator[LLMOutput, None]:
        return read_events(events, self.url, self.key_source, self.timeout_secs)

    def status_error(self, status: int, headers: Mapping[str, str], body: bytes) -> CloudRequestError:
        return status_error(status, headers, body, self.key_source)
