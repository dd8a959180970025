"""Reading an ``LLMContext`` for APIs that are not OpenAI-shaped (Anthropic, Gemini...).

The context holds OpenAI chat messages. APIs such as Anthropic's Messages or Gemini's
``generateContent`` take the system prompt apart from the conversation, want turns that
alternate between the user and the model, and reject empty text. These helpers do the
provider-neutral part of that conversion; each service maps the parts to its own shapes.
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterable, TypeVar

from .llm_context import message_text

#: The roles whose leading messages make the system prompt.
SYSTEM_ROLES = frozenset({"system", "developer"})

_DATA_URL = re.compile(r"data:(?P<mime>[\w.+-]+/[\w.+-]+)?(?:;[^,;]*)*;base64,(?P<data>.*)", re.S)

Part = TypeVar("Part")


def split_system(messages: Iterable[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """The system prompt (the leading system messages' texts) and the other messages.

    A system message after the conversation has started stays in place (the caller
    sends it as a user turn). A context that holds nothing but a system prompt gets it
    back as its one user message, with no system prompt: the APIs refuse a request
    without a turn, and a bot that speaks first runs on such a context.
    """
    messages = list(messages)
    start = 0
    while start < len(messages) and messages[start].get("role") in SYSTEM_ROLES:
        start += 1
    system = "\n\n".join(t for t in (message_text(m).strip() for m in messages[:start]) if t)
    rest = messages[start:]
    if system and not rest:
        return "", [{"role": "user", "content": system}]
    return system, rest


def merge_turns(turns: Iterable[tuple[str, list[Part]]]) -> list[tuple[str, list[Part]]]:
    """``(role, parts)`` turns with empty ones dropped and neighbours of one role joined."""
    merged: list[tuple[str, list[Part]]] = []
    for role, parts in turns:
        if not parts:
            continue
        if merged and merged[-1][0] == role:
            merged[-1][1].extend(parts)
        else:
            merged.append((role, list(parts)))
    return merged


def has_text(text: Any) -> bool:
    """True for a string with something besides white space (the APIs refuse the rest)."""
    return isinstance(text, str) and bool(text.strip())


def data_url(url: str) -> tuple[str, str] | None:
    """``(media type, base64 data)`` of a ``data:<type>;base64,...`` URL, else None."""
    match = _DATA_URL.fullmatch(url)
    if match is None:
        return None
    return match["mime"] or "application/octet-stream", match["data"]


def tool_call_arguments(call: dict[str, Any]) -> dict[str, Any]:
    """The argument object of an OpenAI ``tool_calls`` entry (JSON text or an object).

    ``ValueError`` names the call when the arguments are not a JSON object.
    """
    function = call.get("function") or {}
    arguments = function.get("arguments")
    if isinstance(arguments, dict):
        return arguments
    if arguments is None or (isinstance(arguments, str) and not arguments.strip()):
        return {}
    try:
        value = json.loads(arguments)
    except (TypeError, ValueError):
        value = None
    if not isinstance(value, dict):
        name = function.get("name")
        raise ValueError(f"the arguments of tool call {name!r} in the context are not a JSON object")
    return value


def tool_names(messages: Iterable[dict[str, Any]]) -> dict[str, str]:
    """The function name of each tool call id in the assistants' ``tool_calls``."""
    names: dict[str, str] = {}
    for message in messages:
        for call in message.get("tool_calls") or ():
            if isinstance(call, dict) and call.get("id"):
                names[call["id"]] = (call.get("function") or {}).get("name") or ""
    return names
