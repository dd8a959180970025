"""``ActionDispatcher``: answers a session's ``client-message`` requests with actions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

from .action import Action, ActionError
from .context import ActionContext
from .tools import merge_tools, tool_handler, tool_schema

if TYPE_CHECKING:
    from pydantic import BaseModel

    from ..frames.rtvi import RTVIClientMessage
    from ..llm_context import LLMContext
    from ..rtvi.processor import RTVIProcessor
    from ..services.function_calls import FunctionCallParams
    from ..services.llm import LLMService
    from ..task import PipelineTask


def unknown_type_error(msg_type: str) -> str:
    """The ``error-response`` text for a ``client-message`` type no action answers."""
    return f"Unknown client message type {msg_type!r}"


class ActionDispatcher:
    """Routes ``client-message`` requests to actions by their type ``t``.

    After :meth:`attach`, each ``client-message`` is answered with a
    ``server-response`` ``{t, d: <action result>}`` or an ``error-response`` (invalid
    arguments, the action failed or timed out, or no action has that type — unless
    ``reply_to_unknown=False``, for bots that answer some types in their own
    ``on_client_message`` handler). Requests run concurrently, each in its own task
    (the RTVI processor's ``on_client_message`` event), so a slow action does not
    hold up the others.

    Actions with ``llm_tool=True`` are registered on ``llm`` as server-side tools and
    their schemas added to ``context``'s tools (without ``llm`` they answer client
    requests only). ``session`` is handed to every action as ``ctx.session``.
    """

    def __init__(
        self,
        actions: Iterable[Action],
        *,
        llm: LLMService | None = None,
        context: LLMContext | None = None,
        session: Any = None,
        reply_to_unknown: bool = True,
    ) -> None:
        self._actions: dict[str, Action] = {}
        self._configs: dict[str, BaseModel] = {}
        for act in actions:
            if act.name in self._actions:
                raise ValueError(f"two actions are named {act.name!r}")
            self._actions[act.name] = act
            self._configs[act.name] = act.bound_config()
        self._llm = llm
        self._context = context
        self._session = session
        self._reply_to_unknown = reply_to_unknown
        self._task: PipelineTask | None = None

    @property
    def actions(self) -> Mapping[str, Action]:
        """The actions by name (``client-message`` type)."""
        return self._actions

    def attach(self, task: PipelineTask) -> None:
        """Answer ``task``'s client messages and offer the tool actions to the LLM.

        Call once per task, before or while it runs.
        """
        if self._task is not None:
            raise RuntimeError("this ActionDispatcher is already attached to a task")
        self._task = task
        task.rtvi.add_event_handler("on_client_message", self._on_client_message)
        tools = [act for act in self._actions.values() if act.llm_tool]
        if not tools or self._llm is None:
            return
        for act in tools:
            self._llm.register_function(act.name, tool_handler(act, partial(self._tool_context, act)))
        if self._context is not None:
            self._context.set_tools(merge_tools(self._context.tools, [tool_schema(act) for act in tools]))

    def detach(self) -> None:
        """Forget the task and the session once the session has ended.

        Both refer back to this dispatcher (reference cycles): without them reference
        counting frees the session when its owner lets go, rather than the cyclic GC later.
        """
        self._task = None
        self._session = None

    def _context_for(
        self,
        act: Action,
        *,
        client_msg: RTVIClientMessage | None = None,
        function_call: FunctionCallParams | None = None,
    ) -> ActionContext:
        assert self._task is not None
        return ActionContext(
            task=self._task,
            config=self._configs[act.name],
            llm_context=function_call.context if function_call else self._context,
            session=self._session,
            client_msg=client_msg,
            function_call=function_call,
        )

    def _tool_context(self, act: Action, params: FunctionCallParams) -> ActionContext:
        return self._context_for(act, function_call=params)

    async def _on_client_message(self, rtvi: RTVIProcessor, msg: RTVIClientMessage) -> None:
        act = self._actions.get(msg.type)
        if act is None:
            if self._reply_to_unknown:
                await rtvi.send_error_response(msg, unknown_type_error(msg.type))
            return
        try:
            result = await act.run(self._context_for(act, client_msg=msg), msg.data)
        except ActionError as exc:
            await rtvi.send_error_response(msg, str(exc))
            return
        await rtvi.send_server_response(msg, result)
