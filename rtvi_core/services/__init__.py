"""Service base classes: transports, serializers, VAD (and the AI services)."""

from .function_calls import FunctionCallParams
from .input_transport import BaseInputTransport
from .llm import LLMOutput, LLMService
from .llm_aggregators import (
    LLMAssistantAggregator,
    LLMContextAggregatorPair,
    LLMUserAggregator,
    LLMUserAggregatorParams,
)
from .llm_context import LLMContext
from .output_transport import BaseOutputTransport
from .serializer import FrameSerializer
from .stt import SegmentedSTTService, STTService
from .text_aggregator import SentenceAggregator
from .transport import BaseTransport
from .transport_params import TransportParams
from .tts import TTSService, WordTimestamp
from .vad import VADAnalyzer, VADParams, VADState
