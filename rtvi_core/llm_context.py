"""``LLMContext``: the conversation (OpenAI-style messages) and the tools offered."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

#: Content of a tool message while its call runs, and after it was cancelled.
TOOL_IN_PROGRESS = "IN_PROGRESS"
TOOL_CANCELLED = "CANCELLED"


class LLMContext:
    """The messages an LLM sees, plus the tools it may call.

    Messages and tools use the OpenAI chat format (``{"role": ..., "content": ...}``;
    tools as ``{"type": "function", "function": {...}}``). The context aggregators
    append to it; the LLM service reads it on each inference.
    """

    def __init__(
        self,
        messages: list[dict[str, Any]] | None = None,
        tools: list[dict[str, Any]] | None = None,
    ) -> None:
        self._messages: list[dict[str, Any]] = list(messages) if messages else []
        self._tools: list[dict[str, Any]] = list(tools) if tools else []

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The messages (the live list; prefer the methods to change it)."""
        return self._messages

    @property
    def tools(self) -> list[dict[str, Any]]:
        """The tools offered to the LLM."""
        return self._tools

    def get_messages(self) -> list[dict[str, Any]]:
        """A shallow copy of the messages, oldest first."""
        return list(self._messages)

    def add_message(self, message: dict[str, Any]) -> None:
        """Append one message."""
        self._messages.append(message)

    def add_messages(self, messages: Iterable[dict[str, Any]]) -> None:
        """Append several messages, in order."""
        self._messages.extend(messages)

    def set_messages(self, messages: Iterable[dict[str, Any]]) -> None:
        """Replace all messages."""
        self._messages = list(messages)

    def set_tools(self, tools: Iterable[dict[str, Any]] | None) -> None:
        """Replace the tools (``None`` or empty: no tools)."""
        self._tools = list(tools) if tools else []

    def add_tool_call(self, function_name: str, tool_call_id: str, arguments: Any) -> None:
        """Record a tool call: an assistant ``tool_calls`` message and a pending tool message."""
        self._messages.append(
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": tool_call_id,
                        "type": "function",
                        "function": {"name": function_name, "arguments": json.dumps(arguments)},
                    }
                ],
            }
        )
        self._messages.append({"role": "tool", "tool_call_id": tool_call_id, "content": TOOL_IN_PROGRESS})

    def set_tool_result(self, tool_call_id: str, result: Any) -> None:
        """Store ``result`` (JSON-encoded) in the tool message of ``tool_call_id``.

        Appends the tool message if the call was never recorded.
        """
        message = self._tool_message(tool_call_id)
        if message is None:
            message = {"role": "tool", "tool_call_id": tool_call_id}
            self._messages.append(message)
        message["content"] = json.dumps(result, default=str)

    def mark_tool_cancelled(self, tool_call_id: str) -> None:
        """Mark the tool message of ``tool_call_id`` as cancelled."""
        message = self._tool_message(tool_call_id)
        if message is not None:
            message["content"] = TOOL_CANCELLED

    def _tool_message(self, tool_call_id: str) -> dict[str, Any] | None:
        message: dict[str, Any]  # mypy types reversed() of this list as Any
        for message in reversed(self._messages):
            if message.get("role") == "tool" and message.get("tool_call_id") == tool_call_id:
                return message
        return None


def message_text(message: dict[str, Any]) -> str:
    """The text of a message whose content is a string or a list of content parts."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            part.get("text", "") for part in content if isinstance(part, dict) and part.get("type") == "text"
        )
    return ""
