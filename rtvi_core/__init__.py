"""rtvi_core: a small, fast framework for real-time voice bots speaking Pipecat's RTVI protocol.

The names users need are importable from here directly (``from rtvi_core import
Pipeline, PipelineTask, ...``). They are loaded on first use, so ``import rtvi_core``
stays cheap and a bot imports only what it uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import lazy_exports
from ._version import __version__ as __version__

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "Pipeline": "rtvi_core.pipeline",
    "PipelineTask": "rtvi_core.task",
    "PipelineParams": "rtvi_core.params",
    "PipelineRunner": "rtvi_core.runner",
    "FrameProcessor": "rtvi_core.processor",
    "FrameDirection": "rtvi_core.direction",
    "BaseObserver": "rtvi_core.observers",
    "FramePushed": "rtvi_core.observers",
    "RTVIProcessor": "rtvi_core.rtvi.processor",
    "RTVIObserver": "rtvi_core.rtvi.observer",
    "RTVIObserverParams": "rtvi_core.rtvi.observer_params",
    "FunctionCallReportLevel": "rtvi_core.rtvi.observer_params",
    "RTVIClientMessage": "rtvi_core.frames.rtvi",
    "RTVIServerMessageFrame": "rtvi_core.frames.rtvi",
    "RTVIServerResponseFrame": "rtvi_core.frames.rtvi",
    "RTVIClientMessageFrame": "rtvi_core.frames.rtvi",
    "LLMContext": "rtvi_core.llm_context",
    "LLMContextAggregatorPair": "rtvi_core.services.llm_aggregators",
    "TransportParams": "rtvi_core.services.transport_params",
}

# every public name of rtvi_core.frames (a test keeps this list in sync)
_FRAME_NAMES = frozenset(
    [
        "AggregatedTextFrame",
        "AudioRawFrame",
        "BotAudioHoldFrame",
        "BotSpeakingFrame",
        "BotStartedSpeakingFrame",
        "BotStoppedSpeakingFrame",
        "CancelFrame",
        "CancelTaskFrame",
        "ClientConnectedFrame",
        "ControlFrame",
        "DataFrame",
        "EndFrame",
        "EndTaskFrame",
        "ErrorFrame",
        "FatalErrorFrame",
        "Frame",
        "FunctionCallCancelFrame",
        "FunctionCallFromLLM",
        "FunctionCallInProgressFrame",
        "FunctionCallResultFrame",
        "FunctionCallResultProperties",
        "FunctionCallsStartedFrame",
        "ImageRawFrame",
        "InputAudioRawFrame",
        "InputDTMFFrame",
        "InputImageRawFrame",
        "InputTransportMessageFrame",
        "InputTransportStartAudioStreamingFrame",
        "InterimTranscriptionFrame",
        "InterruptionFrame",
        "InterruptionTaskFrame",
        "KeypadEntry",
        "LLMConfigureOutputFrame",
        "LLMContextFrame",
        "LLMFullResponseEndFrame",
        "LLMFullResponseStartFrame",
        "LLMMessagesAppendFrame",
        "LLMMessagesUpdateFrame",
        "LLMRunFrame",
        "LLMSetToolsFrame",
        "LLMTextFrame",
        "MetricsFrame",
        "OutputAudioRawFrame",
        "OutputDTMFFrame",
        "OutputTransportMessageFrame",
        "OutputTransportMessageUrgentFrame",
        "STTMuteFrame",
        "StartFrame",
        "StopFrame",
        "SystemFrame",
        "TTSAudioRawFrame",
        "TTSSpeakFrame",
        "TTSStartedFrame",
        "TTSStoppedFrame",
        "TTSTextFrame",
        "TextFrame",
        "TranscriptionFrame",
        "UninterruptibleFrame",
        "UserAudioRawFrame",
        "UserImageRawFrame",
        "UserMuteStartedFrame",
        "UserMuteStoppedFrame",
        "UserSpeakingFrame",
        "UserStartedSpeakingFrame",
        "UserStoppedSpeakingFrame",
        "VADUserStartedSpeakingFrame",
        "VADUserStoppedSpeakingFrame",
    ]
)

__getattr__, __dir__, __all__ = lazy_exports(
    __name__, {**_EXPORTS, **dict.fromkeys(_FRAME_NAMES, "rtvi_core.frames")}, globals()
)


if TYPE_CHECKING:
    from .direction import FrameDirection as FrameDirection
    from .frames import *  # noqa: F403
    from .frames.rtvi import RTVIClientMessage as RTVIClientMessage
    from .frames.rtvi import RTVIClientMessageFrame as RTVIClientMessageFrame
    from .frames.rtvi import RTVIServerMessageFrame as RTVIServerMessageFrame
    from .frames.rtvi import RTVIServerResponseFrame as RTVIServerResponseFrame
    from .llm_context import LLMContext as LLMContext
    from .observers import BaseObserver as BaseObserver
    from .observers import FramePushed as FramePushed
    from .params import PipelineParams as PipelineParams
    from .pipeline import Pipeline as Pipeline
    from .processor import FrameProcessor as FrameProcessor
    from .rtvi.observer import RTVIObserver as RTVIObserver
    from .rtvi.observer_params import FunctionCallReportLevel as FunctionCallReportLevel
    from .rtvi.observer_params import RTVIObserverParams as RTVIObserverParams
    from .rtvi.processor import RTVIProcessor as RTVIProcessor
    from .runner import PipelineRunner as PipelineRunner
    from .services.llm_aggregators import LLMContextAggregatorPair as LLMContextAggregatorPair
    from .services.transport_params import TransportParams as TransportParams
    from .task import PipelineTask as PipelineTask
