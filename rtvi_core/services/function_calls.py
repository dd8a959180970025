"""Tool (function) calls: what a handler receives and how handlers are registered."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ..frames import FunctionCallResultProperties

if TYPE_CHECKING:
    from ..llm_context import LLMContext
    from .llm import LLMService


class FunctionCallResultCallback(Protocol):
    """Delivers a tool result; only the first call of a tool call counts."""

    def __call__(self, result: Any, *, properties: FunctionCallResultProperties | None = None) -> Awaitable[None]: ...


@dataclass
class FunctionCallParams:
    """What a server-side tool handler receives.

    The handler does its work and calls ``await params.result_callback(result)``;
    pass ``properties=FunctionCallResultProperties(run_llm=False)`` to keep the LLM
    from running again on the result.
    """

    function_name: str
    tool_call_id: str
    arguments: dict[str, Any]
    llm: LLMService
    context: LLMContext
    result_callback: FunctionCallResultCallback


#: A server-side tool handler.
FunctionCallHandler = Callable[[FunctionCallParams], Awaitable[None]]


@dataclass(frozen=True)
class FunctionCallRegistryItem:
    """A registered tool: ``handler`` None means the client runs it (RTVI)."""

    function_name: str | None
    handler: FunctionCallHandler | None
    cancel_on_interruption: bool = True
    timeout_secs: float | None = None

    @property
    def is_client_side(self) -> bool:
        """True when the result arrives as a FunctionCallResultFrame from the client."""
        return self.handler is None
