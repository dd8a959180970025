"""rtvi-openai: an LLM service for rtvi_core speaking the OpenAI chat completions API.

:class:`OpenAILLMService` streams ``/chat/completions`` from any OpenAI-compatible
server (OpenAI, Ollama, vLLM, llama.cpp); it is registered as the ``openai`` LLM
through the ``rtvi`` entry point ``openai`` (:mod:`rtvi_openai.plugin`). Request
failures and model warnings are logged on ``rtvi.openai`` (:data:`logger`).
"""

from .errors import OpenAIRequestError
from .llm import OpenAILLMService
from .log import logger

__version__ = "0.1.0"

__all__ = ["OpenAILLMService", "OpenAIRequestError", "__version__", "logger"]
