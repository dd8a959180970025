"""The Messages API request for an ``LLMContext``: system prompt, turns, tools, caching.

The context holds OpenAI chat messages; Anthropic takes the system prompt apart, the
conversation as ``user``/``assistant`` turns of content blocks (``text``, ``image``,
``tool_use``, ``tool_result``), and tools with an ``input_schema``. Each conversion
problem raises ``ValueError`` naming what in the context is wrong.
"""

from __future__ import annotations

from typing import Any, Iterable

from rtvi_core.services.llm_turns import (
    SYSTEM_ROLES,
    data_url,
    has_text,
    merge_turns,
    split_system,
    tool_call_arguments,
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
    turns: list[tuple[str, list[Block]]] = []
    for message in rest:
        role = message.get("role")
        if role == "assistant":
            turns.append(("assistant", [*_content_blocks(message), *_tool_uses(message)]))
        elif role == "tool":
            turns.append(("user", [_tool_result(message)]))
        elif role == "user" or role in SYSTEM_ROLES:
            turns.append(("user", _content_blocks(message)))
        else:
            raise ValueError(f"a message has the role {role!r}, which the Messages API does not take")
    return system, [{"role": role, "content": blocks} for role, blocks in merge_turns(turns)]


def convert_tools(tools: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Anthropic tools for the context's OpenAI function tools."""
    converted = []
    for tool in tools:
        function = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(function, dict) or not function.get("name"):
            raise ValueError(f"a tool is not an OpenAI function tool: {tool!r:.120}")
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


def _content_blocks(message: dict[str, Any]) -> list[Block]:
    content = message.get("content")
    if isinstance(content, str) or content is None:
        return [{"type": "text", "text": content}] if has_text(content) else []
    if not isinstance(content, list):
        raise ValueError(f"a {message.get('role')} message's content is neither text nor a list")
    blocks = []
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text":
            if has_text(part.get("text")):
                blocks.append({"type": "text", "text": part["text"]})
        elif kind == "image_url":
            blocks.append(_image(part.get("image_url")))
        else:
            raise ValueError(f"a content part of type {kind!r} cannot be sent to Anthropic")
    return blocks


def _image(image_url: Any) -> Block:
    url = image_url.get("url") if isinstance(image_url, dict) else image_url
    if not isinstance(url, str):
        raise ValueError("an image_url part has no url")
    inline = data_url(url)
    if inline is not None:
        media_type, data = inline
        return {"type": "image", "source": {"type": "base64", "media_type": media_type, "data": data}}
    if url.startswith(("https://", "http://")):
        return {"type": "image", "source": {"type": "url", "url": url}}
    raise ValueError(f"an image URL is neither a data: URL nor http(s): {url[:60]!r}")


def _tool_uses(message: dict[str, Any]) -> list[Block]:
    uses = []
    for call in message.get("tool_calls") or ():
        if not isinstance(call, dict) or not call.get("id"):
            raise ValueError(f"a tool call in the context has no id: {call!r:.120}")
        name = (call.get("function") or {}).get("name")
        uses.append({"type": "tool_use", "id": call["id"], "name": name, "input": tool_call_arguments(call)})
    return uses


def _tool_result(message: dict[str, Any]) -> Block:
    if not message.get("tool_call_id"):
        raise ValueError("a tool message in the context has no tool_call_id")
    result: Block = {"type": "tool_result", "tool_use_id": message["tool_call_id"]}
    content = message.get("content")
    text = content if isinstance(content, str) else " ".join(b["text"] for b in _content_blocks(message))
    if has_text(text):
        result["content"] = text
    return result
