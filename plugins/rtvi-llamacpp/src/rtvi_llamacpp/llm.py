"""``LlamaCppLLMService``: the OpenAI-compatible service, pointed at an in-process server."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import anyio
from rtvi_openai import OpenAILLMService

from rtvi_core.plugins import LazyConfig
from rtvi_core.records import split_record

from .log import logger
from .server import LlamaCppUnavailable, ServerSettings, check_default_installed, shared_server_url


class LlamaCppLLMService(OpenAILLMService):
    """A local LLM: llama.cpp's server started in this process, one per model, shared.

    The server (and the model) loads at the StartFrame, in a thread; a missing
    package or model is reported at each inference with the command to install it.
    Everything else — streaming, tool calls, usage, errors, interruption — is
    :class:`~rtvi_openai.OpenAILLMService`'s.
    """

    PLUGIN_NAME = "llamacpp"
    DESCRIPTION = "A local GGUF model (SmolLM2-135M by default) on llama.cpp, in-process"
    Config = LazyConfig("rtvi_llamacpp.plugin:LlamaCppLLMConfig")

    def __init__(
        self,
        *,
        server: ServerSettings | None = None,
        temperature: float | None = None,
        max_tokens: int | None = None,
        timeout_secs: float = 30.0,
        extra_body: Mapping[str, Any] | None = None,
        name: str | None = None,
    ) -> None:
        self.server = server or ServerSettings()
        super().__init__(
            base_url="http://127.0.0.1",  # the real port is known once the server runs
            model="local",
            api_key_env=None,
            temperature=temperature,
            max_tokens=max_tokens,
            timeout_secs=timeout_secs,
            extra_body=extra_body,
            name=name,
        )

    @classmethod
    def from_config(cls, config: Any) -> LlamaCppLLMService:
        """Build from a ``LlamaCppLLMConfig``: its server fields become :class:`ServerSettings`."""
        server, rest = split_record(ServerSettings, dict(config))
        return cls(server=server, **rest)

    @classmethod
    def check_installed(cls) -> None:
        """Raise :class:`LlamaCppUnavailable` unless xllamacpp and SmolLM2 are installed."""
        check_default_installed()

    async def prepare(self) -> str | None:
        """Start (or join) the shared server and point the requests at it."""
        try:
            address = await anyio.to_thread.run_sync(shared_server_url, self.server)
        except LlamaCppUnavailable as exc:
            logger.error("%s: %s", self, exc)
            return str(exc)
        self.set_base_url(f"{address}/v1")
        return await super().prepare()
