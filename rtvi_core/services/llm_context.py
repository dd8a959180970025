"""``LLMContext`` and ``message_text``, re-exported from :mod:`rtvi_core.llm_context`.

The context lives below the frames that carry it (``LLMContextFrame``), so that
the frames need not import the services.
"""

from ..llm_context import LLMContext, message_text

__all__ = ["LLMContext", "message_text"]
