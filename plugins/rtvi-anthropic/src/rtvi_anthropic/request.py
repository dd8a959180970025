"""The Messages API request for an ``LLMContext``: system prompt, turns, tools, caching.

The context holds OpenAI chat messages; Anthropic takes the system prompt apart, the
conversation as ``user``/``assistant`` turns of content blocks (``text``, ``image``,
``tool_use``, ``tool_result``), and tools with an ``input_schema``. Each conversion
problem raises ``ValueError`` naming what in the context is wrong.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rtvi_core.services.llm_turns import (
    ContentItem,
    content_items,
    function_tools,
    has_text,
    split_system,
    to_turns,
    tool_call_arguments,
    tool_calls,
)

#: The ``cache_control`` that marks the end of a cached prompt prefix.
EPHEMERAL = {"type": "ephemeral"}

Block = dict[str, Any]


def convert_messages(messages: Iterable[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """The system prompt and the ``messages`` of the request.

    Tool results become ``tool_result`` blocks of a user turn, a system message in
    the middle of the conversation a user turn; empty text is left out and
    consecutive turns of one role are joined.
    """
    system, rest = split_system(messages)
    turns = to_turns(
        rest,
        user=_blocks,
        assistant=_assistant_blocks,
        tool=_tool_result,
        model_role="assistant",
        provider="Anthropic",
    )
    return system, [{"role": role, "content": blocks} for role, blocks in turns]


def convert_tools(tools: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Anthropic tools for the context's OpenAI function tools."""
    converted = []
    for function in function_tools(tools):
        entry: dict[str, Any] = {
            "name": function["name"],
            "input_schema": function.get("parameters") or {"type": "object", "properties": {}},
        }
        if function.get("description"):
            entry["description"] = function["description"]
        converted.append(entry)
    return converted


def cached(system: str, tools: list[dict[str, Any]]) -> tuple[list[Block], list[dict[str, Any]]]:
    """The system prompt as a block and the tools, each ending a cached prefix."""
    blocks = [{"type": "text", "text": system, "cache_control": EPHEMERAL}] if system else []
    if tools:
        tools = [*tools[:-1], tools[-1] | {"cache_control": EPHEMERAL}]
    return blocks, tools


def _blocks(message: dict[str, Any]) -> list[Block]:
    return [_block(item) for item in content_items(message, "Anthropic")]


def _block(item: ContentItem) -> Block:
    kind, value = item
    if kind == "text":
        return {"type": "text", "text": value}
    if isinstance(value, tuple):  # "inline": (media type, base64 data)
        media_type, data = value
        return {"type": "image", "source": {"type": "base64", "media_type": media_type, "data": data}}
    return {"type": "image", "source": {"type": "url", "url": value}}


def _assistant_blocks(message: dict[str, Any]) -> list[Block]:
    uses = [
        {
            "type": "tool_use",
            "id": call["id"],
            "name": (call.get("function") or {}).get("name"),
            "input": tool_call_arguments(call),
        }
        for call in tool_calls(message)
    ]
    return [*_blocks(message), *uses]


def _tool_result(message: dict[str, Any]) -> Block:
    if not message.get("tool_call_id"):
        raise ValueError("a tool message in the context has no tool_call_id")
    result: Block = {"type": "tool_result", "tool_use_id": message["tool_call_id"]}
    content = message.get("content")
    text = content if isinstance(content, str) else " ".join(b["text"] for b in _blocks(message) if "text" in b)
    if has_text(text):
        result["content"] = text
    return result
