"""rtvi-gemini: Google's Gemini models as an rtvi_core LLM service.

:class:`GeminiLLMService` streams ``models/<model>:streamGenerateContent`` (the Gemini
API); it is registered as the ``gemini`` LLM through the ``rtvi`` entry point
``gemini`` (:mod:`rtvi_gemini.plugin`).
"""

import logging

__version__ = "0.1.0"

#: The plugin's logger: request failures, stopped replies.
logger = logging.getLogger("rtvi.gemini")

from .errors import GeminiRequestError  # noqa: E402  (after the logger the modules use)
from .llm import GeminiLLMService  # noqa: E402

__all__ = ["GeminiLLMService", "GeminiRequestError", "__version__", "logger"]
