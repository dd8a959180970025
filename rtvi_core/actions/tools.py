"""Actions offered to the LLM as tools: their schema and the function-call adapter."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .action import Action, ActionError

if TYPE_CHECKING:
    from ..services.function_calls import FunctionCallHandler, FunctionCallParams
    from .context import ActionContext

#: The parameters of a tool whose action takes no argument model.
_ANY_OBJECT: dict[str, Any] = {"type": "object", "properties": {}}


def tool_schema(action: Action) -> dict[str, Any]:
    """The action as an OpenAI-format tool: ``{"type": "function", "function": {...}}``.

    ``parameters`` is the JSON schema of the action's argument model.
    """
    model = action.args_model
    parameters = model.model_json_schema() if model is not None else dict(_ANY_OBJECT)
    return {
        "type": "function",
        "function": {
            "name": action.name,
            "description": action.DESCRIPTION,
            "parameters": parameters,
        },
    }


def tool_handler(action: Action, make_context: Callable[[FunctionCallParams], ActionContext]) -> FunctionCallHandler:
    """A function-call handler for ``LLMService.register_function`` that runs ``action``.

    The tool result is the action's result, or ``{"error": <message>}`` when the
    arguments are invalid, the action fails or times out (the LLM sees the message).
    """

    async def handle(params: FunctionCallParams) -> None:
        try:
            result = await action.run(make_context(params), params.arguments)
        except ActionError as exc:
            result = {"error": str(exc)}
        await params.result_callback(result)

    return handle


def merge_tools(current: list[dict[str, Any]], added: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``current`` with ``added`` appended; an added tool replaces one of the same name."""
    names = {tool["function"]["name"] for tool in added}
    kept = [tool for tool in current if tool.get("function", {}).get("name") not in names]
    return kept + added
