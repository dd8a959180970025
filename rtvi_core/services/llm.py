"""``LLMService``: runs inferences on a context, streams text, runs tool calls.

A concrete LLM implements one async generator, :meth:`LLMService.generate`, that
yields the pieces of one inference as they come:

* ``str`` — a chunk of reply text, with its own spacing (a token, a word...);
* :class:`~rtvi_core.frames.FunctionCallFromLLM` — a complete tool call (a
  streaming API accumulates argument deltas and yields the call once whole);
* :class:`~rtvi_core.metrics.LLMTokenUsage` — the inference's token usage.

Everything else is done here: response framing, skip-TTS marking, metrics,
tool-call dispatch and cancellation on interruption.

Frames the service handles:

* :class:`LLMContextFrame` (either direction) runs an inference on its context.
  The user aggregator sends it downstream; the assistant aggregator sends it
  upstream to run again after tool results.
* :class:`LLMConfigureOutputFrame` sets skip-TTS for the inferences queued after it.
* Context edits (:class:`LLMMessagesAppendFrame`, :class:`LLMMessagesUpdateFrame`,
  :class:`LLMRunFrame`, :class:`LLMSetToolsFrame`) belong to the user context
  aggregator, which owns the context; the service has no context of its own and
  passes them on unchanged.
* A :class:`FunctionCallResultFrame` passing through (a client-side tool result
  pushed from the head of the pipeline) completes that pending call and goes on
  to the assistant aggregator, which stores it in the context.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Any, ClassVar

from .._deps import anyio
from ..direction import FrameDirection
from ..frames import (
    Frame,
    FunctionCallCancelFrame,
    FunctionCallFromLLM,
    FunctionCallInProgressFrame,
    FunctionCallResultFrame,
    FunctionCallResultProperties,
    FunctionCallsStartedFrame,
    InterruptionFrame,
    LLMConfigureOutputFrame,
    LLMContextFrame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    LLMTextFrame,
)
from ..frames.audio import USER_AUDIO_FRAMES
from ..frames.rtvi import MESSAGE_FRAMES
from ..llm_context import LLMContext
from ..metrics import LLMTokenUsage
from ..processor import FrameProcessor
from ..runtime import ManagedTask
from .function_calls import (
    FunctionCallHandler,
    FunctionCallParams,
    FunctionCallRegistryItem,
    FunctionCallResultCallback,
)

logger = logging.getLogger("rtvi_core.services.llm")


#: What :meth:`LLMService.generate` yields.
LLMOutput = str | FunctionCallFromLLM | LLMTokenUsage


class _PendingCall:
    """A tool call announced and not yet answered."""

    __slots__ = ("call", "cancel_on_interruption", "task")

    def __init__(self, call: FunctionCallFromLLM, cancel_on_interruption: bool) -> None:
        self.call = call
        self.cancel_on_interruption = cancel_on_interruption
        self.task: ManagedTask | None = None


class LLMService(FrameProcessor):
    """Base of LLM services: subclass it and implement :meth:`generate`.

    Per inference it pushes downstream ``LLMFullResponseStartFrame``, the text as
    ``LLMTextFrame``s (``skip_tts=True`` while skip-TTS is on), then, if the model
    called tools, ``FunctionCallsStartedFrame`` and one
    ``FunctionCallInProgressFrame`` per call (both directions), and finally
    ``LLMFullResponseEndFrame`` — also when an interruption cuts the inference.
    Tool results are pushed as ``FunctionCallResultFrame`` downstream and upstream
    when they arrive.
    """

    #: The bot-file section of this service's plugins: errors name one ``llm plugin '<name>'``.
    PLUGIN_KIND: ClassVar[str] = "llm"
    passes_through = MESSAGE_FRAMES | USER_AUDIO_FRAMES

    def __init__(self, *, model: str | None = None, name: str | None = None, **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.model_name = model
        self._functions: dict[str | None, FunctionCallRegistryItem] = {}
        self._pending: dict[str, _PendingCall] = {}
        self._skip_tts = False

    def can_generate_metrics(self) -> bool:
        """LLM services report ttfb, processing and token usage."""
        return True

    @property
    def skip_tts(self) -> bool:
        """Whether replies are currently marked not to be spoken."""
        return self._skip_tts

    # -- tool registry ----------------------------------------------------------------

    def register_function(
        self,
        function_name: str | None,
        handler: FunctionCallHandler | None,
        *,
        cancel_on_interruption: bool = True,
        timeout_secs: float | None = None,
    ) -> None:
        """Register the tool ``function_name``.

        ``handler`` runs server-side as a background task; ``None`` makes it a
        client-side tool whose result arrives as a FunctionCallResultFrame.
        ``function_name=None`` registers a catch-all for unregistered names. An
        interruption cancels the call if ``cancel_on_interruption``; a call without
        a result after ``timeout_secs`` is cancelled.
        """
        self._functions[function_name] = FunctionCallRegistryItem(
            function_name, handler, cancel_on_interruption, timeout_secs
        )

    def register_client_function(
        self,
        function_name: str,
        *,
        cancel_on_interruption: bool = True,
        timeout_secs: float | None = None,
    ) -> None:
        """Register a client-side tool (the RTVI client sends its result)."""
        self.register_function(
            function_name,
            None,
            cancel_on_interruption=cancel_on_interruption,
            timeout_secs=timeout_secs,
        )

    def unregister_function(self, function_name: str | None) -> None:
        """Forget a registered tool."""
        self._functions.pop(function_name, None)

    def has_function(self, function_name: str) -> bool:
        """True if ``function_name`` (or a catch-all) is registered."""
        return function_name in self._functions or None in self._functions

    # -- the model --------------------------------------------------------------------

    def generate(self, context: LLMContext) -> AsyncGenerator[LLMOutput, None]:
        """Run one inference on ``context``, yielding text, tool calls and usage.

        Implement it as an ``async def`` generator. It runs in the service's worker:
        an interruption cancels it at its next ``await``.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement generate()")

    # -- frame processing -------------------------------------------------------------

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, LLMContextFrame):
            await self._run_inference(frame.context)
        elif isinstance(frame, LLMConfigureOutputFrame):
            self._skip_tts = frame.skip_tts
        elif isinstance(frame, InterruptionFrame):
            await self.push_frame(frame, direction)
            await self._cancel_calls_on_interruption()
        else:
            if isinstance(frame, FunctionCallResultFrame):
                self._finish_client_call(frame.tool_call_id)
            await self.push_frame(frame, direction)

    async def _run_inference(self, context: LLMContext) -> None:
        skip_tts = self._skip_tts
        calls: list[FunctionCallFromLLM] = []
        first = True
        await self.push_frame(LLMFullResponseStartFrame())
        await self.start_processing_metrics()
        await self.start_ttfb_metrics()
        try:
            async with aclosing(self.generate(context)) as stream:
                async for item in stream:
                    if isinstance(item, LLMTokenUsage):
                        await self.start_llm_usage_metrics(item)
                        continue
                    if first:
                        first = False
                        await self.stop_ttfb_metrics()
                    if isinstance(item, str):
                        if item:
                            text = LLMTextFrame(text=item)
                            if skip_tts:
                                text.skip_tts = True
                            await self.push_frame(text)
                    else:
                        item.context = context
                        calls.append(item)
            if calls:
                await self._start_calls(calls, context)
        finally:
            # Also when an interruption cancelled the inference: the response ends.
            with anyio.CancelScope(shield=True):
                await self.stop_processing_metrics()
                await self.push_frame(LLMFullResponseEndFrame())

    # -- tool calls -------------------------------------------------------------------

    async def _start_calls(self, calls: list[FunctionCallFromLLM], context: LLMContext) -> None:
        await self.broadcast_frame(FunctionCallsStartedFrame, function_calls=calls)
        for call in calls:
            item = self._functions.get(call.function_name) or self._functions.get(None)
            cancel_on_interruption = item.cancel_on_interruption if item else False
            await self.broadcast_frame(
                FunctionCallInProgressFrame,
                function_name=call.function_name,
                tool_call_id=call.tool_call_id,
                arguments=call.arguments,
                cancel_on_interruption=cancel_on_interruption,
            )
            pending = _PendingCall(call, cancel_on_interruption)
            self._pending[call.tool_call_id] = pending
            if item is None:
                logger.warning("%s: the model called unknown function %r", self, call.function_name)
                await self._result_callback(call)({"error": f"unknown function {call.function_name!r}"})
            elif item.handler is not None or item.timeout_secs is not None:
                pending.task = self.create_task(self._run_call(call, item, context), name=f"call:{call.function_name}")

    async def _run_call(self, call: FunctionCallFromLLM, item: FunctionCallRegistryItem, context: LLMContext) -> None:
        deliver = self._result_callback(call)
        try:
            with anyio.fail_after(item.timeout_secs):
                if item.handler is None:
                    await anyio.sleep_forever()  # client-side: only the timeout runs here
                else:
                    await item.handler(
                        FunctionCallParams(
                            function_name=call.function_name,
                            tool_call_id=call.tool_call_id,
                            arguments=call.arguments,
                            llm=self,
                            context=context,
                            result_callback=deliver,
                        )
                    )
        except TimeoutError:
            logger.warning("%s: function %r timed out", self, call.function_name)
            await self._cancel_call(call.tool_call_id)
        except Exception as exc:
            await self.push_error(f"function {call.function_name!r} failed: {exc}", exception=exc)
            await deliver({"error": f"function {call.function_name!r} failed: {exc}"})

    def _result_callback(self, call: FunctionCallFromLLM) -> FunctionCallResultCallback:
        async def deliver(result: Any, *, properties: FunctionCallResultProperties | None = None) -> None:
            if self._pending.pop(call.tool_call_id, None) is None:
                return  # already answered, or cancelled
            run_llm = properties.run_llm if properties else None
            await self.broadcast_frame(
                FunctionCallResultFrame,
                function_name=call.function_name,
                tool_call_id=call.tool_call_id,
                arguments=call.arguments,
                result=result,
                run_llm=run_llm,
                properties=properties,
            )

        return deliver

    def _finish_client_call(self, tool_call_id: str) -> None:
        pending = self._pending.pop(tool_call_id, None)
        if pending is not None and pending.task is not None:
            pending.task.cancel()

    async def _cancel_call(self, tool_call_id: str) -> None:
        pending = self._pending.pop(tool_call_id, None)
        if pending is None:
            return
        call = pending.call
        await self.broadcast_frame(
            FunctionCallCancelFrame,
            function_name=call.function_name,
            tool_call_id=call.tool_call_id,
        )
        if pending.task is not None:
            pending.task.cancel()  # last: this may be the task itself (timeout)

    async def _cancel_calls_on_interruption(self) -> None:
        for tool_call_id, pending in list(self._pending.items()):
            if pending.cancel_on_interruption:
                await self._cancel_call(tool_call_id)
