"""Service base classes: transports, serializers, VAD, STT, LLM and TTS.

Names load on first use, so importing one service does not import them all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

_EXPORTS = {
    "FunctionCallParams": ".function_calls",
    "BaseInputTransport": ".input_transport",
    "LLMOutput": ".llm",
    "LLMService": ".llm",
    "LLMAssistantAggregator": ".llm_aggregators",
    "LLMContextAggregatorPair": ".llm_aggregators",
    "LLMUserAggregator": ".llm_aggregators",
    "LLMUserAggregatorParams": ".llm_aggregators",
    "LLMContext": "rtvi_core.llm_context",
    "BaseOutputTransport": ".output_transport",
    "FrameSerializer": ".serializer",
    "SegmentedSTTService": ".stt",
    "STTService": ".stt",
    "SentenceAggregator": ".text_aggregator",
    "BaseTransport": ".transport",
    "TransportParams": ".transport_params",
    "TTSService": ".tts",
    "WordTimestamp": ".tts",
    "VADAnalyzer": ".vad",
    "VADParams": ".vad",
    "VADState": ".vad",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS, globals())

if TYPE_CHECKING:
    from ..llm_context import LLMContext
    from .function_calls import FunctionCallParams
    from .input_transport import BaseInputTransport
    from .llm import LLMOutput, LLMService
    from .llm_aggregators import (
        LLMAssistantAggregator,
        LLMContextAggregatorPair,
        LLMUserAggregator,
        LLMUserAggregatorParams,
    )
    from .output_transport import BaseOutputTransport
    from .serializer import FrameSerializer
    from .stt import SegmentedSTTService, STTService
    from .text_aggregator import SentenceAggregator
    from .transport import BaseTransport
    from .transport_params import TransportParams
    from .tts import TTSService, WordTimestamp
    from .vad import VADAnalyzer, VADParams, VADState
