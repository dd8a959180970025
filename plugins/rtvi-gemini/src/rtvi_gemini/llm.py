"""``GeminiLLMService``: Gemini through the streaming ``generateContent`` API."""

from __future__ import annotations

import os
from collections import OrderedDict
from contextlib import aclosing
from typing import Any, AsyncIterator, Sequence
from urllib.parse import quote, urlsplit

from rtvi_core.plugins import LazyConfig
from rtvi_core.services.llm import LLMOutput
from rtvi_core.services.llm_context import LLMContext
from rtvi_openai import OpenAILLMService
from rtvi_openai.llm import is_loopback_url

from . import logger
from .errors import GeminiRequestError
from .reply import ReplyReader
from .request import convert_contents, convert_tools

DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com"
DEFAULT_API_VERSION = "v1beta"
DEFAULT_MODEL = "gemini-2.5-flash"
#: The environment variables tried for the key, in order (Google's SDKs read the same).
DEFAULT_API_KEY_ENV = ("GEMINI_API_KEY", "GOOGLE_API_KEY")
#: At most this many tool calls keep what Gemini wants back with them (id, signature).
MAX_CALL_EXTRAS = 256


class GeminiLLMService(OpenAILLMService):
    """An LLM answering through ``POST <base_url>/<api_version>/models/<model>:streamGenerateContent?alt=sse``.

    The context's system messages become the ``systemInstruction``, its turns the
    ``contents`` (tool calls as ``functionCall`` parts, their results as
    ``functionResponse`` parts, images as ``inlineData``/``fileData``), its tools
    ``functionDeclarations``. Text parts become the reply, ``functionCall`` parts tool
    calls (their ``thoughtSignature`` is sent back with the call on later turns), and
    ``usageMetadata`` usage metrics. The API key is ``api_key`` or, read at start, the
    first of the environment variables ``api_key_env`` that is set; a server on the
    loopback interface needs none. Every failure is a non-fatal error saying what to
    do; the next turn tries again. An interruption closes the HTTP response at once.

    The HTTP client's lifecycle, the key settings and ``extra_headers`` are
    :class:`~rtvi_openai.OpenAILLMService`'s; the protocol is Google's.
    """

    PLUGIN_NAME = "gemini"
    DESCRIPTION = "Google Gemini through streaming generateContent, with function calling"
    Config = LazyConfig("rtvi_gemini.plugin:GeminiLLMConfig")

    def __init__(
        self,
        *,
        base_url: str = DEFAULT_BASE_URL,
        api_version: str = DEFAULT_API_VERSION,
        model: str = DEFAULT_MODEL,
        api_key_env: str | Sequence[str] | None = DEFAULT_API_KEY_ENV,
        thinking_budget: int | None = None,
        **options: Any,
    ) -> None:
        self.api_version = api_version.strip("/")
        names = [api_key_env] if isinstance(api_key_env, str) else list(api_key_env or ())
        super().__init__(base_url=base_url, model=model, api_key_env=None, **options)
        self._api_key_env_names = [name for name in names if name]
        self.thinking_budget = thinking_budget
        self._call_extras: OrderedDict[str, dict[str, str]] = OrderedDict()

    def set_base_url(self, base_url: str) -> None:
        """Point the service at another API root (``ValueError`` unless an http(s) URL)."""
        self.base_url = check_base_url(base_url)
        model = quote(str(self.model_name).removeprefix("models/"), safe="-._~")
        self.url = f"{self.base_url}/{self.api_version}/models/{model}:streamGenerateContent?alt=sse"

    @property
    def key_source(self) -> str:
        """Where the API key comes from, for messages."""
        if self._api_key or not self._api_key_env_names:
            return "the [llm] api_key setting"
        names = " or ".join(self._api_key_env_names)
        return f"the environment variable {names} (or [llm] api_key)"

    async def prepare(self) -> str | None:
        """Read the API key and build the headers; return why no request can be made, or None."""
        key = self._api_key or next(
            (os.environ[name] for name in self._api_key_env_names if os.environ.get(name)), None
        )
        headers = {"Accept": "text/event-stream", "Content-Type": "application/json"}
        if key:
            headers["x-goog-api-key"] = key
        self._headers = headers | self._extra_headers
        if key or not self._api_key_env_names or is_loopback_url(self.base_url):
            return None
        problem = f"Gemini: no API key for {self.base_url}: set {self.key_source}"
        logger.error("%s: %s", self, problem)
        return problem

    # -- inference --------------------------------------------------------------------

    def request_body(self, context: LLMContext) -> dict[str, Any]:
        """The JSON body of the request for ``context`` (``extra_body`` merged last).

        ``extra_body`` objects are merged into the body's objects of the same key
        (``generationConfig``...), other values replace them. ``ValueError`` says what
        in the context cannot be sent.
        """
        system, contents = convert_contents(context.messages, self._call_extras)
        if not contents:
            raise ValueError("the context has no message to answer")
        declarations = convert_tools(context.tools)
        generation = {
            "temperature": self.temperature,
            "maxOutputTokens": self.max_tokens,
            "thinkingConfig": (
                {"thinkingBudget": self.thinking_budget} if self.thinking_budget is not None else None
            ),
        }
        optional = {
            "systemInstruction": {"parts": [{"text": system}]} if system else None,
            "tools": [{"functionDeclarations": declarations}] if declarations else None,
            "generationConfig": {k: v for k, v in generation.items() if v is not None} or None,
        }
        body = {"contents": contents} | {k: v for k, v in optional.items() if v is not None}
        for key, value in self._extra_body.items():
            both = isinstance(value, dict) and isinstance(body.get(key), dict)
            body[key] = body[key] | value if both else value
        return body

    async def generate(self, context: LLMContext) -> AsyncIterator[LLMOutput]:
        if self._headers is None:
            self._unavailable = await self.prepare()  # used outside a pipeline: no StartFrame
        if self._unavailable:
            await self.push_error(self._unavailable)
            return
        try:
            body = self.request_body(context)
        except ValueError as exc:
            await self._report(GeminiRequestError(f"Gemini: cannot send this context: {exc}"))
            return
        from .stream import stream_reply

        reader = ReplyReader()
        outputs = stream_reply(self._http_client(), self.url, self._headers or {}, body, self.key_source, reader)
        try:
            async with aclosing(outputs):
                async for output in outputs:
                    yield output
        except GeminiRequestError as exc:
            await self._report(exc)
        self._keep_call_extras(reader.call_extras)

    def _keep_call_extras(self, extras: dict[str, dict[str, str]]) -> None:
        self._call_extras.update(extras)
        while len(self._call_extras) > MAX_CALL_EXTRAS:
            self._call_extras.popitem(last=False)

    async def _report(self, error: Exception) -> None:
        logger.debug("%s: %s", self, error)  # the task logs the ErrorFrame
        await self.push_error(str(error), exception=error)


def check_base_url(base_url: str) -> str:
    """``base_url`` without a trailing slash; ``ValueError`` unless it is an http(s) URL."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            f"base_url must be an http(s) URL such as {DEFAULT_BASE_URL} (the API root, "
            f"without the version), not {base_url!r}"
        )
    return base_url.rstrip("/")
