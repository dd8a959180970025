"""``AnthropicLLMService``: Claude through the streaming Messages API."""

from __future__ import annotations

import os
from contextlib import aclosing
from typing import Any, AsyncIterator
from urllib.parse import urlsplit

from rtvi_core.plugins import LazyConfig
from rtvi_core.services.llm import LLMOutput
from rtvi_core.services.llm_context import LLMContext
from rtvi_openai import OpenAILLMService
from rtvi_openai.llm import is_loopback_url

from . import logger
from .errors import AnthropicRequestError
from .request import cached, convert_messages, convert_tools

DEFAULT_BASE_URL = "https://api.anthropic.com"
DEFAULT_MODEL = "claude-haiku-4-5"
DEFAULT_API_KEY_ENV = "ANTHROPIC_API_KEY"
DEFAULT_MAX_TOKENS = 1024
#: The ``anthropic-version`` header sent (``extra_headers`` may override it).
API_VERSION = "2023-06-01"


class AnthropicLLMService(OpenAILLMService):
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

    The HTTP client's lifecycle, the key settings and ``extra_headers``/``extra_body``
    are :class:`~rtvi_openai.OpenAILLMService`'s; the protocol is Anthropic's.
    """

    PLUGIN_NAME = "anthropic"
    DESCRIPTION = "Anthropic Claude through the streaming Messages API, with tool use and prompt caching"
    Config = LazyConfig("rtvi_anthropic.plugin:AnthropicLLMConfig")

    def __init__(
        self,
        *,
        base_url: str = DEFAULT_BASE_URL,
        model: str = DEFAULT_MODEL,
        api_key_env: str | None = DEFAULT_API_KEY_ENV,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        prompt_caching: bool = False,
        **options: Any,
    ) -> None:
        super().__init__(
            base_url=base_url, model=model, api_key_env=api_key_env, max_tokens=max_tokens, **options
        )
        self.prompt_caching = prompt_caching

    def set_base_url(self, base_url: str) -> None:
        """Point the service at another API root (``ValueError`` unless an http(s) URL)."""
        self.base_url = check_base_url(base_url)
        self.url = f"{self.base_url}/v1/messages"

    @property
    def key_source(self) -> str:
        """Where the API key comes from, for messages."""
        if self._api_key or not self._api_key_env:
            return "the [llm] api_key setting"
        return f"the environment variable {self._api_key_env} (or [llm] api_key)"

    async def prepare(self) -> str | None:
        """Read the API key and build the headers; return why no request can be made, or None."""
        key = self._api_key or (os.environ.get(self._api_key_env) if self._api_key_env else None)
        headers = {
            "Accept": "text/event-stream",
            "Content-Type": "application/json",
            "anthropic-version": API_VERSION,
        }
        if key:
            headers["x-api-key"] = key
        self._headers = headers | self._extra_headers
        if key or not self._api_key_env or is_loopback_url(self.base_url):
            return None
        problem = f"Anthropic: no API key for {self.base_url}: set {self.key_source}"
        logger.error("%s: %s", self, problem)
        return problem

    # -- inference --------------------------------------------------------------------

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
        body = {
            "model": self.model_name,
            "max_tokens": self.max_tokens,
            "messages": messages,
            "stream": True,
        }
        optional = {
            "system": system_prompt,
            "tools": tools,
            "temperature": self.temperature,
        }
        body |= {key: value for key, value in optional.items() if value not in (None, "", [])}
        return body | self._extra_body

    async def generate(self, context: LLMContext) -> AsyncIterator[LLMOutput]:
        if self._headers is None:
            self._unavailable = await self.prepare()  # used outside a pipeline: no StartFrame
        if self._unavailable:
            await self.push_error(self._unavailable)
            return
        try:
            body = self.request_body(context)
        except ValueError as exc:
            await self._report(AnthropicRequestError(f"Anthropic: cannot send this context: {exc}"))
            return
        from .stream import stream_reply

        outputs = stream_reply(self._http_client(), self.url, self._headers or {}, body, self.key_source)
        try:
            async with aclosing(outputs):
                async for output in outputs:
                    yield output
        except AnthropicRequestError as exc:
            await self._report(exc)

    async def _report(self, error: Exception) -> None:
        logger.debug("%s: %s", self, error)  # the task logs the ErrorFrame
        await self.push_error(str(error), exception=error)


def check_base_url(base_url: str) -> str:
    """``base_url`` without a trailing slash; ``ValueError`` unless it is an http(s) URL."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            f"base_url must be an http(s) URL such as {DEFAULT_BASE_URL} (the API root, "
            f"without /v1), not {base_url!r}"
        )
    return base_url.rstrip("/")
