"""rtvi-openai: an LLM service for rtvi_core speaking the OpenAI chat completions API.

:class:`OpenAILLMService` streams ``/chat/completions`` from any OpenAI-compatible
server (OpenAI, Ollama, vLLM, llama.cpp); it is registered as the ``openai`` LLM
through the ``rtvi`` entry point ``openai`` (:mod:`rtvi_openai.plugin`).
"""

import logging

__version__ = "0.1.0"

#: The plugin's logger: request failures, model warnings.
logger = logging.getLogger("rtvi.openai")

from .errors import OpenAIRequestError  # noqa: E402  (after the logger the modules use)
from .llm import OpenAILLMService  # noqa: E402

__all__ = ["OpenAILLMService", "OpenAIRequestError", "__version__", "logger"]
