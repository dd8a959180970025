"""``CloudLLMService``: the base of services for cloud LLM APIs that stream JSON over SSE.

Anthropic's Messages API and Gemini's ``streamGenerateContent`` differ from the OpenAI
chat completions API in their request, their events and their errors, and in nothing
else a service cares about: an API root and a key, one streamed POST per inference,
errors to word for the client. This base keeps the rest of
:class:`~rtvi_openai.OpenAILLMService` (HTTP client, key settings, ``extra_headers`` and
``extra_body``, ``timeout_secs``) and runs each inference; a provider's subclass says
where to send it (:meth:`~CloudLLMService.endpoint`), how to sign it
(:meth:`~CloudLLMService.auth_headers`), what to send
(:meth:`~OpenAILLMService.request_body`), how to read the events
(:meth:`~CloudLLMService.read_stream`) and how to word a failed status
(:meth:`~CloudLLMService.status_error`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncGenerator, AsyncIterator, Mapping, Sequence
from contextlib import aclosing
from typing import Any, ClassVar

from rtvi_core.services.llm import LLMOutput
from rtvi_core.services.llm_context import LLMContext

from .llm import OpenAILLMService, check_base_url, is_loopback_url


class CloudRequestError(Exception):
    """A cloud LLM request failed; ``str(error)`` is the message for the client."""


class CloudLLMService(OpenAILLMService):
    """Runs inferences against a cloud API that streams JSON events; see the module.

    ``api_key_env`` names one environment variable or several, tried in order (None or
    empty: never send a key). Every failure — no key, a context the API cannot take, an
    HTTP error, a malformed or cut stream, a timeout — is a non-fatal error whose
    message starts with :attr:`PROVIDER`; the next inference tries again.
    """

    #: The provider's name, first word of every error message ("Anthropic").
    PROVIDER: ClassVar[str] = ""
    #: The public API root, the example in ``base_url`` errors.
    DEFAULT_BASE_URL: ClassVar[str] = ""
    #: What ``base_url`` leaves out, for its errors ("without /v1").
    BASE_URL_NOTE: ClassVar[str] = ""
    #: The plugin's logger.
    LOGGER: ClassVar[logging.Logger] = logging.getLogger("rtvi.cloud")

    def __init__(self, *, api_key_env: str | Sequence[str] | None = None, **options: Any) -> None:
        super().__init__(api_key_env=None, **options)
        self.api_key_env_names = key_variables(api_key_env)

    @classmethod
    def check_base_url(cls, base_url: str) -> str:
        """``base_url`` without a trailing slash; ``ValueError`` unless it is an http(s) URL."""
        try:
            return check_base_url(base_url)
        except ValueError:
            raise ValueError(
                f"base_url must be an http(s) URL such as {cls.DEFAULT_BASE_URL} (the API root, "
                f"{cls.BASE_URL_NOTE}), not {base_url!r}"
            ) from None

    def set_base_url(self, base_url: str) -> None:
        """Point the service at another API root (``ValueError`` unless an http(s) URL)."""
        self.base_url = self.check_base_url(base_url)
        self.url = self.endpoint()

    @property
    def key_source(self) -> str:
        """Where the API key comes from, for messages."""
        if self._api_key or not self.api_key_env_names:
            return "the [llm] api_key setting"
        return f"the environment variable {' or '.join(self.api_key_env_names)} (or [llm] api_key)"

    # -- what a provider says -----------------------------------------------------------

    def endpoint(self) -> str:
        """The URL each inference is POSTed to (``self.base_url`` is set)."""
        raise NotImplementedError

    def auth_headers(self, key: str) -> dict[str, str]:
        """The headers that carry the API key."""
        raise NotImplementedError

    def read_stream(self, events: AsyncIterator[dict[str, Any]]) -> AsyncGenerator[LLMOutput, None]:
        """The outputs (text, then tool calls and usage) in a reply's decoded events.

        Raise :class:`CloudRequestError` for a failure the events show, ``ValueError``
        for events that make no sense.
        """
        raise NotImplementedError

    def status_error(self, status: int, headers: Mapping[str, str], body: bytes) -> CloudRequestError:
        """The error for a non-200 answer."""
        raise NotImplementedError

    # -- running ---------------------------------------------------------------------

    async def prepare(self) -> str | None:
        """Read the API key and build the headers; return why no request can be made, or None."""
        key = self._api_key or key_from_environment(self.api_key_env_names)
        headers = {"Accept": "text/event-stream", "Content-Type": "application/json"}
        self._headers = headers | (self.auth_headers(key) if key else {}) | self._extra_headers
        if key or not self.api_key_env_names or is_loopback_url(self.base_url):
            return None
        problem = f"{self.PROVIDER}: no API key for {self.base_url}: set {self.key_source}"
        self.LOGGER.error("%s: %s", self, problem)
        return problem

    async def generate(self, context: LLMContext) -> AsyncGenerator[LLMOutput, None]:
        if self._headers is None:
            self._unavailable = await self.prepare()  # used outside a pipeline: no StartFrame
        if self._unavailable:
            await self.push_error(self._unavailable)
            return
        try:
            body = self.request_body(context)
        except ValueError as exc:
            await self._report(CloudRequestError(f"{self.PROVIDER}: cannot send this context: {exc}"))
            return
        from .cloud_stream import post_json_stream

        events = post_json_stream(
            self._http_client(),
            self.url,
            self._headers or {},
            body,
            provider=self.PROVIDER,
            status_error=self.status_error,
        )
        outputs = self.read_stream(events)
        try:
            async with aclosing(events), aclosing(outputs):
                async for output in outputs:
                    yield output
        except ValueError as exc:  # well-formed JSON that makes no sense
            await self._report(CloudRequestError(f"{self.PROVIDER} sent an unusable answer: {exc}"))
        except CloudRequestError as exc:
            await self._report(exc)

    async def _report(self, error: Exception) -> None:
        self.LOGGER.debug("%s: %s", self, error)  # the task logs the ErrorFrame
        await self.push_error(str(error), exception=error)


def key_variables(api_key_env: str | Sequence[str] | None) -> list[str]:
    """The environment variables ``api_key_env`` names (one or several; empty names dropped)."""
    names = [api_key_env] if isinstance(api_key_env, str) else list(api_key_env or ())
    return [name for name in names if name]


def key_from_environment(names: Sequence[str]) -> str | None:
    """The API key in the first of ``names`` that is set, else None."""
    return next((os.environ[name] for name in names if os.environ.get(name)), None)
