"""``GeminiLLMService``: Gemini through the streaming ``generateContent`` API."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncGenerator, AsyncIterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from rtvi_openai.cloud_llm import CloudLLMService, CloudRequestError

from rtvi_core.plugins import LazyConfig
from rtvi_core.services.llm import LLMOutput
from rtvi_core.services.llm_context import LLMContext

from .errors import status_error
from .log import logger
from .reply import ReplyReader
from .request import convert_contents, convert_tools
from .stream import read_chunks

DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com"
DEFAULT_API_VERSION = "v1beta"
DEFAULT_MODEL = "gemini-2.5-flash"
#: The environment variables tried for the key, in order (Google's SDKs read the same).
DEFAULT_API_KEY_ENV = ("GEMINI_API_KEY", "GOOGLE_API_KEY")
#: At most this many tool calls keep what Gemini wants back with them (id, signature).
MAX_CALL_EXTRAS = 256


class GeminiLLMService(CloudLLMService):
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
    """

    PLUGIN_NAME = "gemini"
    DESCRIPTION = "Google Gemini through streaming generateContent, with function calling"
    Config = LazyConfig("rtvi_gemini.plugin:GeminiLLMConfig")
    PROVIDER = "Gemini"
    DEFAULT_BASE_URL = DEFAULT_BASE_URL
    BASE_URL_NOTE = "without the version"
    LOGGER = logger

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
        self.api_version = api_version.strip("/")  # before the base builds the URL
        super().__init__(base_url=base_url, model=model, api_key_env=api_key_env, **options)
        self.thinking_budget = thinking_budget
        self._call_extras: OrderedDict[str, dict[str, str]] = OrderedDict()

    def endpoint(self) -> str:
        model = quote(str(self.model_name).removeprefix("models/"), safe="-._~")
        return f"{self.base_url}/{self.api_version}/models/{model}:streamGenerateContent?alt=sse"

    def auth_headers(self, key: str) -> dict[str, str]:
        return {"x-goog-api-key": key}

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
        thinking = {"thinkingBudget": self.thinking_budget} if self.thinking_budget is not None else None
        generation = {"temperature": self.temperature, "maxOutputTokens": self.max_tokens, "thinkingConfig": thinking}
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

    async def read_stream(self, events: AsyncIterator[dict[str, Any]]) -> AsyncGenerator[LLMOutput, None]:
        reader = ReplyReader()
        async for output in read_chunks(events, self.url, self.key_source, reader):
            if not isinstance(output, str):  # the reply is complete: keep what its calls need
                self._keep_call_extras(reader.call_extras)
            yield output

    def status_error(self, status: int, headers: Mapping[str, str], body: bytes) -> CloudRequestError:
        return status_error(status, headers, body, self.key_source)

    def _keep_call_extras(self, extras: dict[str, dict[str, str]]) -> None:
        self._call_extras.update(extras)
        while len(self._call_extras) > MAX_CALL_EXTRAS:
            self._call_extras.popitem(last=False)
