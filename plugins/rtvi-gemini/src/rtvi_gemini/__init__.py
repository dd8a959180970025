"""rtvi-gemini: Google's Gemini models as an rtvi_core LLM service.

:class:`GeminiLLMService` streams ``models/<model>:streamGenerateContent`` (the Gemini
API); it is registered as the ``gemini`` LLM through the ``rtvi`` entry point
``gemini`` (:mod:`rtvi_gemini.plugin`). Request failures are logged on ``rtvi.gemini``
(:data:`logger`).
"""

from .errors import GeminiRequestError
from .llm import GeminiLLMService
from .log import logger

__version__ = "0.1.0"

__all__ = ["GeminiLLMService", "GeminiRequestError", "__version__", "logger"]
