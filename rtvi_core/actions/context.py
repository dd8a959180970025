"""``ActionContext``: what an action handler gets to act on its session."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import BaseModel

    from ..frames import Frame
    from ..frames.rtvi import RTVIClientMessage
    from ..llm_context import LLMContext
    from ..services.function_calls import FunctionCallParams
    from ..task import PipelineTask


@dataclass
class ActionContext:
    """The session an action request runs in. One is made per request.

    ``client_msg`` is the ``client-message`` being answered (``None`` when the LLM
    called the action as a tool); ``function_call`` is the LLM's tool call (``None``
    for a client request). ``config`` is the action's validated bot-file config;
    ``session`` is whatever the bot passed to the dispatcher (e.g. the ``rtvi run``
    session), ``None`` otherwise.
    """

    task: PipelineTask
    config: BaseModel
    llm_context: LLMContext | None = None
    session: Any = None
    client_msg: RTVIClientMessage | None = None
    function_call: FunctionCallParams | None = None

    async def push_frame(self, frame: Frame) -> None:
        """Send ``frame`` downstream from the head of the pipeline, like ``task.queue_frame``."""
        await self.task.queue_frame(frame)

    async def send_server_message(self, data: Any) -> None:
        """Send the client an RTVI ``server-message`` with ``data`` (JSON-compatible)."""
        await self.task.rtvi.send_server_message(data)
