"""Ready-to-use implementations that need nothing beyond the core dependencies."""

from .echo_llm import EchoLLMService, EchoRule, ToolRule
from .energy_vad import EnergyVADAnalyzer
from .json_serializer import JSONFrameSerializer
from .memory_transport import MemoryClient, MemoryTransport
from .tone_tts import ToneTTSService
