"""``ToolCallAssembler``: whole tool calls from the pieces a chat completion streams."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from rtvi_core.frames import FunctionCallFromLLM

from .json_object import parse_json_object


@dataclass
class _PartialCall:
    tool_call_id: str = ""
    name: str = ""
    arguments: str = ""


class ToolCallAssembler:
    """Collects ``delta.tool_calls`` entries by ``index`` and builds the finished calls.

    Argument strings are concatenated; an argument object sent whole (some servers
    do) is taken as its JSON. A call without an ``id`` gets a generated one.
    """

    def __init__(self) -> None:
        self._calls: dict[int, _PartialCall] = {}

    def add(self, deltas: list[Any]) -> None:
        """Add the ``tool_calls`` list of one stream delta."""
        for position, delta in enumerate(deltas):
            if not isinstance(delta, dict):
                raise ValueError(f"a tool call delta is not an object: {delta!r}")
            index = delta.get("index", position)
            call = self._calls.setdefault(index, _PartialCall())
            if delta.get("id"):
                call.tool_call_id = delta["id"]
            function = delta.get("function") or {}
            name = function.get("name")
            if name and name != call.name:
                call.name += name
            arguments = function.get("arguments")
            if isinstance(arguments, str):
                call.arguments += arguments
            elif arguments is not None:
                call.arguments += json.dumps(arguments)

    def finish(self) -> list[FunctionCallFromLLM]:
        """The complete calls, in index order; ``ValueError`` names a call that is not."""
        calls = []
        for index in sorted(self._calls):
            partial = self._calls[index]
            if not partial.name:
                raise ValueError(f"tool call #{index} has no function name")
            calls.append(
                FunctionCallFromLLM(
                    function_name=partial.name,
                    tool_call_id=partial.tool_call_id or f"call_{uuid.uuid4().hex[:24]}",
                    arguments=_parse_arguments(partial.name, partial.arguments),
                )
            )
        return calls


def _parse_arguments(name: str, text: str) -> dict[str, Any]:
    if not text.strip():
        return {}
    return parse_json_object(text, f"the argument object of tool call {name!r}")
