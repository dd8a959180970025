"""``OpenAILLMService``: streaming chat completions from an OpenAI-compatible server."""

from __future__ import annotations

import functools
import ipaddress
import os
import ssl
from collections.abc import AsyncGenerator, Mapping
from contextlib import aclosing
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from rtvi_core.frames import EndFrame, StartFrame
from rtvi_core.metrics import LLMTokenUsage
from rtvi_core.plugins import Component, LazyConfig
from rtvi_core.services.llm import LLMOutput, LLMService
from rtvi_core.services.llm_context import LLMContext

from .errors import OpenAIRequestError
from .log import logger
from .tool_calls import ToolCallAssembler

if TYPE_CHECKING:
    import httpx

DEFAULT_BASE_URL = "https://api.openai.com/v1"
DEFAULT_MODEL = "gpt-4o-mini"
DEFAULT_API_KEY_ENV = "OPENAI_API_KEY"


class OpenAILLMService(LLMService, Component):
    """An LLM answering through ``POST <base_url>/chat/completions`` with ``stream: true``.

    Works with OpenAI and the servers that copy its API (Ollama, vLLM, llama.cpp,
    LM Studio...). The context's messages and tools are sent as they are; text
    deltas become the reply, ``tool_calls`` deltas are assembled into tool calls,
    and the usage the server reports becomes usage metrics. The API key is
    ``api_key`` or, read at start, the environment variable ``api_key_env`` (None or
    empty: send none); a server on the loopback interface needs none. Every failure (unreachable server,
    rejected key, rate limit, timeout, malformed stream...) is reported as a
    non-fatal error naming the URL and the response ends; the next turn tries again.
    An interruption closes the HTTP response at once.
    """

    PLUGIN_NAME = "openai"
    DESCRIPTION = "Streaming chat completions from an OpenAI-compatible server (OpenAI, Ollama, vLLM, llama.cpp)"
    Config = LazyConfig("rtvi_openai.plugin:OpenAILLMConfig")

    def __init__(
        self,
        *,
        base_url: str = DEFAULT_BASE_URL,
        model: str = DEFAULT_MODEL,
        api_key: str | None = None,
        api_key_env: str | None = DEFAULT_API_KEY_ENV,
        temperature: float | None = None,
        max_tokens: int | None = None,
        timeout_secs: float = 30.0,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(model=model, name=name)
        self.set_base_url(base_url)
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.timeout_secs = timeout_secs
        self._api_key = api_key
        self._api_key_env = api_key_env
        self._extra_headers = dict(extra_headers or {})
        self._extra_body = dict(extra_body or {})
        self._headers: dict[str, str] | None = None
        self._unavailable: str | None = None
        self._client: httpx.AsyncClient | None = None

    def set_base_url(self, base_url: str) -> None:
        """Point the service at another server (``ValueError`` unless an http(s) URL)."""
        self.base_url = check_base_url(base_url)
        self.url = f"{self.base_url}/chat/completions"

    @classmethod
    def from_config(cls, config: Any) -> OpenAILLMService:
        """Build from an ``OpenAILLMConfig`` (its ``api_key`` is a pydantic ``SecretStr``)."""
        fields = dict(config)
        if fields.get("api_key") is not None:
            fields["api_key"] = fields["api_key"].get_secret_value()
        return cls(**fields)

    # -- lifecycle --------------------------------------------------------------------

    async def start(self, frame: StartFrame) -> None:
        """Get ready (:meth:`prepare`); a problem is reported at each inference."""
        await super().start(frame)
        self._unavailable = await self.prepare()

    async def prepare(self) -> str | None:
        """Get ready for requests; return why none can be made, or None.

        Reads the API key. Subclasses may first start a server and
        :meth:`set_base_url` to it.
        """
        key = self._api_key or (os.environ.get(self._api_key_env) if self._api_key_env else None)
        headers = {"Accept": "text/event-stream", "Content-Type": "application/json"}
        if key:
            headers["Authorization"] = f"Bearer {key}"
        self._headers = headers | self._extra_headers
        if key or not self._api_key_env or is_loopback_url(self.base_url):
            return None
        problem = (
            f"no API key for {self.base_url}: set the environment variable "
            f"{self._api_key_env} (or the api_key / api_key_env parameters)"
        )
        logger.error("%s: %s", self, problem)
        return problem

    async def stop(self, frame: EndFrame) -> None:
        await super().stop(frame)
        await self._close_client()

    async def cleanup(self) -> None:
        await super().cleanup()
        await self._close_client()

    def _http_client(self) -> httpx.AsyncClient:
        if self._client is None:
            import httpx

            self._client = httpx.AsyncClient(timeout=httpx.Timeout(self.timeout_secs), verify=_tls_context())
        return self._client

    async def _close_client(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    # -- inference --------------------------------------------------------------------

    def request_body(self, context: LLMContext) -> dict[str, Any]:
        """The JSON body of the request for ``context`` (``extra_body`` applied last)."""
        body: dict[str, Any] = {
            "model": self.model_name,
            "messages": context.messages,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        if context.tools:
            body["tools"] = context.tools
        if self.temperature is not None:
            body["temperature"] = self.temperature
        if self.max_tokens is not None:
            body["max_tokens"] = self.max_tokens
        return body | self._extra_body

    async def generate(self, context: LLMContext) -> AsyncGenerator[LLMOutput, None]:
        if self._headers is None:
            self._unavailable = await self.prepare()  # used outside a pipeline: no StartFrame
        if self._unavailable:
            await self.push_error(self._unavailable)
            return
        from .chat_stream import stream_chat_completion

        calls = ToolCallAssembler()
        usage: LLMTokenUsage | None = None
        chunks = stream_chat_completion(self._http_client(), self.url, self._headers or {}, self.request_body(context))
        try:
            async with aclosing(chunks):
                async for chunk in chunks:
                    for text in _read_chunk(chunk, calls):
                        yield text
                    usage = token_usage(chunk.get("usage")) or usage
            finished = calls.finish()
        except ValueError as exc:  # the server's data, not the stream, is wrong
            await self._report(OpenAIRequestError(f"unusable answer from {self.url}: {exc}"))
            return
        except OpenAIRequestError as exc:
            await self._report(exc)
            return
        for call in finished:
            yield call
        if usage is not None:
            yield usage

    async def _report(self, error: OpenAIRequestError) -> None:
        logger.debug("%s: %s", self, error)  # the task logs the ErrorFrame
        await self.push_error(str(error), exception=error)


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """httpx's default TLS context, made once per process: each session's client shares it
    (building one loads the CA bundle, ~10 ms of CPU per session otherwise)."""
    import httpx

    return httpx.create_ssl_context()


def _read_chunk(chunk: dict[str, Any], calls: ToolCallAssembler) -> list[str]:
    """The text of the first choice's delta in ``chunk``; its tool call pieces go to ``calls``.

    Raises ``ValueError`` for tool call pieces that make no sense.
    """
    texts = []
    for choice in chunk.get("choices") or ():
        if not isinstance(choice, dict) or choice.get("index", 0) != 0:
            continue
        delta = choice.get("delta") or {}
        if not isinstance(delta, dict):
            raise ValueError(f"a delta is not a JSON object: {delta!r:.120}")
        content = delta.get("content")
        if isinstance(content, str) and content:
            texts.append(content)
        if delta.get("tool_calls"):
            calls.add(delta["tool_calls"])
    return texts


def token_usage(usage: Any) -> LLMTokenUsage | None:
    """The ``usage`` object of a chunk as :class:`LLMTokenUsage` (None if absent or empty)."""
    if not isinstance(usage, dict) or "prompt_tokens" not in usage:
        return None
    prompt = int(usage.get("prompt_tokens") or 0)
    completion = int(usage.get("completion_tokens") or 0)
    cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens")
    reasoning = (usage.get("completion_tokens_details") or {}).get("reasoning_tokens")
    return LLMTokenUsage(
        prompt_tokens=prompt,
        completion_tokens=completion,
        total_tokens=int(usage.get("total_tokens") or prompt + completion),
        cache_read_input_tokens=cached,
        reasoning_tokens=reasoning,
    )


def check_base_url(base_url: str) -> str:
    """``base_url`` without a trailing slash; ``ValueError`` unless it is an http(s) URL."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            f"base_url must be an http(s) URL such as {DEFAULT_BASE_URL} or http://localhost:11434/v1, not {base_url!r}"
        )
    return base_url.rstrip("/")


def is_loopback_url(url: str) -> bool:
    """True if ``url`` points at this machine (``localhost``, 127.0.0.0/8, ``::1``)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
