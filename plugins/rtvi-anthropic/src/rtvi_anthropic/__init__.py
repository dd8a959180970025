"""rtvi-anthropic: Anthropic's Claude models as an rtvi_core LLM service.

:class:`AnthropicLLMService` streams ``POST /v1/messages`` (the Messages API); it is
registered as the ``anthropic`` LLM through the ``rtvi`` entry point ``anthropic``
(:mod:`rtvi_anthropic.plugin`). Request failures are logged on ``rtvi.anthropic``
(:data:`logger`).
"""

from .errors import AnthropicRequestError
from .llm import AnthropicLLMService
from .log import logger

__version__ = "0.1.0"

__all__ = ["AnthropicLLMService", "AnthropicRequestError", "__version__", "logger"]
