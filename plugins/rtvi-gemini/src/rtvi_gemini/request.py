"""The ``generateContent`` request for an ``LLMContext``: system instruction, contents, tools.

The context holds OpenAI chat messages; Gemini takes the system prompt as
``systemInstruction``, the conversation as ``user``/``model`` contents of parts
(``text``, ``inlineData``, ``fileData``, ``functionCall``, ``functionResponse``), and
tools as ``functionDeclarations``. Each conversion problem raises ``ValueError``
naming what in the context is wrong.
"""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Iterable, Mapping
from typing import Any

from rtvi_core.services.llm_turns import (
    ContentItem,
    content_items,
    function_tools,
    split_system,
    to_turns,
    tool_call_arguments,
    tool_calls,
    tool_names,
)

Part = dict[str, Any]


def convert_contents(
    messages: Iterable[dict[str, Any]], call_extras: Mapping[str, Mapping[str, Any]]
) -> tuple[str, list[dict[str, Any]]]:
    """The system instruction's text and the ``contents`` of the request.

    Tool results become ``functionResponse`` parts of a user turn (named after their
    call), a system message in the middle of the conversation a user turn; empty text
    is left out and consecutive turns of one role are joined. ``call_extras`` holds,
    per tool call id, what Gemini gave with the call and wants back: its own ``id``
    and the part's ``thoughtSignature``.
    """
    system, rest = split_system(messages)
    names = tool_names(rest)
    turns = to_turns(
        rest,
        user=_parts,
        assistant=lambda message: [*_parts(message), *_function_calls(message, call_extras)],
        tool=lambda message: _function_response(message, names, call_extras),
        model_role="model",
        provider="Gemini",
    )
    return system, [{"role": role, "parts": parts} for role, parts in turns]


def convert_tools(tools: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Gemini function declarations for the context's OpenAI function tools.

    The parameters go as ``parametersJsonSchema`` (plain JSON Schema), so schemas made
    by pydantic need no translation to Gemini's OpenAPI subset.
    """
    declarations = []
    for function in function_tools(tools):
        declaration: dict[str, Any] = {"name": function["name"]}
        if function.get("description"):
            declaration["description"] = function["description"]
        if function.get("parameters"):
            declaration["parametersJsonSchema"] = function["parameters"]
        declarations.append(declaration)
    return declarations


def _parts(message: dict[str, Any]) -> list[Part]:
    return [_part(item) for item in content_items(message, "Gemini")]


def _part(item: ContentItem) -> Part:
    kind, value = item
    if kind == "text":
        return {"text": value}
    if isinstance(value, tuple):  # "inline": (media type, base64 data)
        mime_type, data = value
        return {"inlineData": {"mimeType": mime_type, "data": data}}
    mime_type = mimetypes.guess_type(str(value).split("?", 1)[0])[0] or "image/jpeg"
    return {"fileData": {"mimeType": mime_type, "fileUri": value}}


def _function_calls(message: dict[str, Any], call_extras: Mapping[str, Mapping[str, Any]]) -> list[Part]:
    parts = []
    for call in tool_calls(message):
        extras = call_extras.get(call["id"], {})
        function_call = {"name": (call.get("function") or {}).get("name"), "args": tool_call_arguments(call)}
        if extras.get("id"):
            function_call["id"] = extras["id"]
        part: Part = {"functionCall": function_call}
        if extras.get("thoughtSignature"):
            part["thoughtSignature"] = extras["thoughtSignature"]
        parts.append(part)
    return parts


def _function_response(
    message: dict[str, Any], names: Mapping[str, str], call_extras: Mapping[str, Mapping[str, Any]]
) -> Part:
    call_id = message.get("tool_call_id") or ""
    name = names.get(call_id)
    if not name:
        raise ValueError(f"the tool result {call_id!r} answers no tool call in the context")
    response: dict[str, Any] = {"name": name, "response": _response_object(message.get("content"))}
    gemini_id = call_extras.get(call_id, {}).get("id")
    if gemini_id:
        response["id"] = gemini_id
    return {"functionResponse": response}


def _response_object(content: Any) -> dict[str, Any]:
    """A tool result as the JSON object Gemini wants (anything else under ``result``)."""
    value = content
    if isinstance(content, str):
        try:
            value = json.loads(content)
        except ValueError:
            value = content
    return value if isinstance(value, dict) else {"result": value}
