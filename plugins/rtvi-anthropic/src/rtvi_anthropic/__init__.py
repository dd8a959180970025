"""rtvi-anthropic: Anthropic's Claude models as an rtvi_core LLM service.

:class:`AnthropicLLMService` streams ``POST /v1/messages`` (the Messages API); it is
registered as the ``anthropic`` LLM through the ``rtvi`` entry point ``anthropic``
(:mod:`rtvi_anthropic.plugin`).
"""

import logging

__version__ = "0.1.0"

#: The plugin's logger: request failures, refusals.
logger = logging.getLogger("rtvi.anthropic")

from .errors import AnthropicRequestError  # noqa: E402  (after the logger the modules use)
from .llm import AnthropicLLMService  # noqa: E402

__all__ = ["AnthropicLLMService", "AnthropicRequestError", "__version__", "logger"]
