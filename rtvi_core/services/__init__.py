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
    "TurnAnalyzer": ".turn_analyzer",
    "UserTurnProcessor": ".user_turns",
    "WordTimestamp": ".tts",
    "VADAnalyzer": ".vad",
    "VADParams": ".vad",
    "VADState": ".vad",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS, globals())

if TYPE_CHECKING:
    from ..llm_context import LLMContext as LLMContext
    from .function_calls import FunctionCallParams as FunctionCallParams
    from .input_transport import BaseInputTransport as BaseInputTransport
    from .llm import LLMOutput as LLMOutput
    from .llm import LLMService as LLMService
    from .llm_aggregators import LLMAssistantAggregator as LLMAssistantAggregator
    from .llm_aggregators import LLMContextAggregatorPair as LLMContextAggregatorPair
    from .llm_aggregators import LLMUserAggregator as LLMUserAggregator
    from .llm_aggregators import LLMUserAggregatorParams as LLMUserAggregatorParams
    from .output_transport import BaseOutputTransport as BaseOutputTransport
    from .serializer import FrameSerializer as FrameSerializer
    from .stt import SegmentedSTTService as SegmentedSTTService
    from .stt import STTService as STTService
    from .text_aggregator import SentenceAggregator as SentenceAggregator
    from .transport import BaseTransport as BaseTransport
    from .transport_params import TransportParams as TransportParams
    from .tts import TTSService as TTSService
    from .tts import WordTimestamp as WordTimestamp
    from .turn_analyzer import TurnAnalyzer as TurnAnalyzer
    from .user_turns import UserTurnProcessor as UserTurnProcessor
    from .vad import VADAnalyzer as VADAnalyzer
    from .vad import VADParams as VADParams
    from .vad import VADState as VADState
