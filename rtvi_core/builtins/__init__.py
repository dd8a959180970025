"""Ready-to-use implementations that need nothing beyond the core dependencies.

Names load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

_EXPORTS = {
    "EchoLLMService": ".echo_llm",
    "EchoRule": ".echo_llm",
    "ToolRule": ".echo_llm",
    "EnergyVADAnalyzer": ".energy_vad",
    "JSONFrameSerializer": ".json_serializer",
    "MemoryClient": ".memory_transport",
    "MemoryTransport": ".memory_transport",
    "TextTurnAnalyzer": ".text_turn",
    "ToneTTSService": ".tone_tts",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS, globals())

if TYPE_CHECKING:
    from .echo_llm import EchoLLMService as EchoLLMService
    from .echo_llm import EchoRule as EchoRule
    from .echo_llm import ToolRule as ToolRule
    from .energy_vad import EnergyVADAnalyzer as EnergyVADAnalyzer
    from .json_serializer import JSONFrameSerializer as JSONFrameSerializer
    from .memory_transport import MemoryClient as MemoryClient
    from .memory_transport import MemoryTransport as MemoryTransport
    from .text_turn import TextTurnAnalyzer as TextTurnAnalyzer
    from .tone_tts import ToneTTSService as ToneTTSService
