"""LLM frames: context updates, response bounds and tool (function) calls."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..records import field, record
from ..records import record as frame_dataclass
from .base import ControlFrame, DataFrame, SystemFrame, UninterruptibleFrame

if TYPE_CHECKING:
    from ..llm_context import LLMContext


@frame_dataclass
class LLMContextFrame(DataFrame):
    """The conversation context, sent to the LLM to run an inference."""

    context: LLMContext


@frame_dataclass
class LLMRunFrame(DataFrame):
    """Runs the LLM on the current context."""


@frame_dataclass
class LLMMessagesAppendFrame(DataFrame):
    """Appends messages to the context; runs the LLM if ``run_llm`` is true."""

    messages: list[dict[str, Any]]
    run_llm: bool | None = None


@frame_dataclass
class LLMMessagesUpdateFrame(DataFrame):
    """Replaces the context's messages; runs the LLM if ``run_llm`` is true."""

    messages: list[dict[str, Any]]
    run_llm: bool | None = None


@frame_dataclass
class LLMSetToolsFrame(DataFrame):
    """Replaces the tools offered to the LLM."""

    tools: list[dict[str, Any]]


@frame_dataclass
class LLMConfigureOutputFrame(DataFrame):
    """Sets whether the LLM's following output skips TTS (text-only replies)."""

    skip_tts: bool


@frame_dataclass
class LLMFullResponseStartFrame(ControlFrame):
    """An LLM response starts."""


@frame_dataclass
class LLMFullResponseEndFrame(ControlFrame):
    """An LLM response ended."""


@record(eq=True)
class FunctionCallFromLLM:
    """One tool call requested by the LLM."""

    function_name: str
    tool_call_id: str
    arguments: dict[str, Any]
    context: Any = None


@record(eq=True)
class FunctionCallResultProperties:
    """How a tool result is applied: whether to run the LLM again afterwards."""

    run_llm: bool | None = None


@frame_dataclass
class FunctionCallsStartedFrame(SystemFrame):
    """The LLM decided to call one or more tools."""

    function_calls: Sequence[FunctionCallFromLLM]


@frame_dataclass
class FunctionCallInProgressFrame(ControlFrame, UninterruptibleFrame):
    """A tool call began executing."""

    function_name: str
    tool_call_id: str
    arguments: dict[str, Any] = field(default_factory=dict)
    cancel_on_interruption: bool = False


@frame_dataclass
class FunctionCallResultFrame(DataFrame, UninterruptibleFrame):
    """The result of a tool call (server- or client-side)."""

    function_name: str
    tool_call_id: str
    arguments: Any
    result: Any
    run_llm: bool | None = None
    properties: FunctionCallResultProperties | None = None


@frame_dataclass
class FunctionCallCancelFrame(SystemFrame):
    """A tool call was cancelled (e.g. by an interruption)."""

    function_name: str
    tool_call_id: str
