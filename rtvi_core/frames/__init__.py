"""The frame taxonomy: everything that moves through a pipeline is a frame."""

from .audio import (
    AudioRawFrame,
    InputAudioRawFrame,
    OutputAudioRawFrame,
    TTSAudioRawFrame,
    UserAudioRawFrame,
)
from .base import ControlFrame, DataFrame, Frame, SystemFrame, UninterruptibleFrame
from .lifecycle import (
    CancelFrame,
    CancelTaskFrame,
    EndFrame,
    EndTaskFrame,
    ErrorFrame,
    FatalErrorFrame,
    InterruptionFrame,
    InterruptionTaskFrame,
    MetricsFrame,
    StartFrame,
    StopFrame,
)
from .llm import (
    FunctionCallCancelFrame,
    FunctionCallFromLLM,
    FunctionCallInProgressFrame,
    FunctionCallResultFrame,
    FunctionCallResultProperties,
    FunctionCallsStartedFrame,
    LLMConfigureOutputFrame,
    LLMContextFrame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    LLMMessagesAppendFrame,
    LLMMessagesUpdateFrame,
    LLMRunFrame,
    LLMSetToolsFrame,
)
from .speech import (
    BotSpeakingFrame,
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    STTMuteFrame,
    UserMuteStartedFrame,
    UserMuteStoppedFrame,
    UserSpeakingFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)
from .text import (
    AggregatedTextFrame,
    InterimTranscriptionFrame,
    LLMTextFrame,
    TextFrame,
    TranscriptionFrame,
    TTSTextFrame,
)
from .transport import (
    ClientConnectedFrame,
    InputDTMFFrame,
    InputTransportMessageFrame,
    InputTransportStartAudioStreamingFrame,
    KeypadEntry,
    OutputDTMFFrame,
    OutputTransportMessageFrame,
    OutputTransportMessageUrgentFrame,
)
from .tts import TTSSpeakFrame, TTSStartedFrame, TTSStoppedFrame

__all__ = [name for name in dir() if name[0].isupper()]
