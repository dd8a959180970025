"""``llm-function-call-started`` / ``-in-progress`` / ``-stopped``: tool calls, as much as each function's level reveals.

:class:`FunctionCallReporter` is the RTVI observer's part that reports tool calls.
Each function's :class:`~rtvi_core.rtvi.observer_params.FunctionCallReportLevel`
(by name, else ``"*"``, else ``NONE``) decides what an event carries: nothing
(``DISABLED``: no event), no name, the name, the arguments too, or (``FULL``) the
non-empty result as well. An ``RTVIObserverConfigFrame`` replaces the levels at run time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..frames import (
    FunctionCallCancelFrame,
    FunctionCallInProgressFrame,
    FunctionCallResultFrame,
    FunctionCallsStartedFrame,
)
from ._deps import rtvi_messages as m
from .observer_params import FunctionCallReportLevel, normalize_report_levels

if TYPE_CHECKING:
    from .messages import OutboundMessage

NONE = FunctionCallReportLevel.NONE
FULL = FunctionCallReportLevel.FULL
DISABLED = FunctionCallReportLevel.DISABLED
#: Levels that reveal a call's arguments.
_WITH_ARGUMENTS = frozenset({FunctionCallReportLevel.ARGUMENTS, FULL})


class FunctionCallReporter:
    """Sends the ``llm-function-call-*`` events through ``send``, at each function's level.

    Its ``started``, ``in_progress``, ``result`` and ``cancel`` methods are the
    observer's handlers of the function-call frames (``(frame, timestamp)``).
    """

    def __init__(
        self,
        levels: Mapping[str, FunctionCallReportLevel | str],
        send: Callable[[OutboundMessage], Awaitable[None]],
    ) -> None:
        self.levels = normalize_report_levels(levels)
        self._send = send

    def set_levels(self, levels: Mapping[str, FunctionCallReportLevel | str]) -> None:
        """Replace the levels (unknown level strings raise ValueError)."""
        self.levels = normalize_report_levels(levels)

    def _level(self, function_name: str) -> FunctionCallReportLevel:
        levels = self.levels
        return levels.get(function_name) or levels.get("*") or NONE

    async def started(self, frame: FunctionCallsStartedFrame, timestamp: int) -> None:
        for call in frame.function_calls:
            level = self._level(call.function_name)
            if level is DISABLED:
                continue
            data = m.LLMFunctionCallStartedData()
            if level is not NONE:
                data.function_name = call.function_name
            await self._send(m.LLMFunctionCallStarted(data=data))

    async def in_progress(self, frame: FunctionCallInProgressFrame, timestamp: int) -> None:
        level = self._level(frame.function_name)
        if level is DISABLED:
            return
        data = m.LLMFunctionCallInProgressData(tool_call_id=frame.tool_call_id)
        if level is not NONE:
            data.function_name = frame.function_name
        if level in _WITH_ARGUMENTS:
            data.arguments = frame.arguments
        await self._send(m.LLMFunctionCallInProgress(data=data))

    async def result(self, frame: FunctionCallResultFrame, timestamp: int) -> None:
        await self._stopped(frame.function_name, frame.tool_call_id, False, frame.result)

    async def cancel(self, frame: FunctionCallCancelFrame, timestamp: int) -> None:
        await self._stopped(frame.function_name, frame.tool_call_id, True, None)

    async def _stopped(self, function_name: str, tool_call_id: str, cancelled: bool, result: Any) -> None:
        level = self._level(function_name)
        if level is DISABLED:
            return
        data = m.LLMFunctionCallStoppedData(tool_call_id=tool_call_id, cancelled=cancelled)
        if level is not NONE:
            data.function_name = function_name
        if level is FULL and result:
            data.result = result
        await self._send(m.LLMFunctionCallStopped(data=data))
