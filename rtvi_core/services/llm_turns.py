"""Reading an ``LLMContext`` for APIs that are not OpenAI-shaped (Anthropic, Gemini...).

The context holds OpenAI chat messages. APIs such as Anthropic's Messages or Gemini's
``generateContent`` take the system prompt apart from the conversation, want turns that
alternate between the user and the model, and reject empty text. These helpers do the
provider-neutral part of that conversion; each service maps the parts to its own shapes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any, TypeGuard, TypeVar

from .llm_context import message_text

#: The user turn put before a conversation that the bot opened (Anthropic refuses a
#: first turn that is not the user's): a greeting spoken first, then the user's reply.
OPENING_USER_TURN = "(The call begins.)"

#: The roles whose leading messages make the system prompt.
SYSTEM_ROLES = frozenset({"system", "developer"})

_DATA_URL = re.compile(r"data:(?P<mime>[\w.+-]+/[\w.+-]+)?(?:;[^,;]*)*;base64,(?P<data>.*)", re.S)

Part = TypeVar("Part")

#: A piece of a message's content: ``("text", text)``, ``("inline", (media type,
#: base64 data))`` for a ``data:`` image URL, or ``("url", url)`` for an http(s) image.
ContentItem = tuple[str, str | tuple[str, str]]


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


def to_turns(
    messages: Iterable[dict[str, Any]],
    *,
    user: Callable[[dict[str, Any]], list[Part]],
    assistant: Callable[[dict[str, Any]], list[Part]],
    tool: Callable[[dict[str, Any]], Part],
    model_role: str,
    provider: str,
) -> list[tuple[str, list[Part]]]:
    """The messages (after the system prompt) as merged ``(role, parts)`` turns.

    ``user`` converts a user message (and a system message in the middle of the
    conversation, which becomes a user turn), ``assistant`` an assistant message (its
    role becomes ``model_role``), ``tool`` a tool result (one part of a user turn).
    Another role raises ``ValueError`` naming ``provider``. When the first turn is not
    the user's, :data:`OPENING_USER_TURN` is put before it.
    """
    turns: list[tuple[str, list[Part]]] = []
    for message in messages:
        role = message.get("role")
        if role == "assistant":
            turns.append((model_role, assistant(message)))
        elif role == "tool":
            turns.append(("user", [tool(message)]))
        elif role == "user" or role in SYSTEM_ROLES:
            turns.append(("user", user(message)))
        else:
            raise ValueError(f"a message has the role {role!r}, which {provider} does not take")
    merged = merge_turns(turns)
    if merged and merged[0][0] != "user":
        merged.insert(0, ("user", user({"role": "user", "content": OPENING_USER_TURN})))
    return merged


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


def has_text(text: Any) -> TypeGuard[str]:
    """True for a string with something besides white space (the APIs refuse the rest)."""
    return isinstance(text, str) and bool(text.strip())


def content_items(message: dict[str, Any], provider: str) -> list[ContentItem]:
    """The text and images of a message's content, blank text left out.

    ``ValueError`` (naming ``provider``) for content that is neither text nor a list,
    for parts other than ``text`` and ``image_url``, and for image URLs that are
    neither ``data:`` nor http(s).
    """
    content = message.get("content")
    if isinstance(content, str) or content is None:
        return [("text", content)] if has_text(content) else []
    if not isinstance(content, list):
        raise ValueError(f"a {message.get('role')} message's content is neither text nor a list")
    items: list[ContentItem] = []
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text":
            if has_text(part.get("text")):
                items.append(("text", part["text"]))
        elif kind == "image_url":
            items.append(_image(part.get("image_url")))
        else:
            raise ValueError(f"a content part of type {kind!r} cannot be sent to {provider}")
    return items


def _image(image_url: Any) -> ContentItem:
    url = image_url.get("url") if isinstance(image_url, dict) else image_url
    if not isinstance(url, str):
        raise ValueError("an image_url part has no url")
    inline = data_url(url)
    if inline is not None:
        return ("inline", inline)
    if url.startswith(("https://", "http://")):
        return ("url", url)
    raise ValueError(f"an image URL is neither a data: URL nor http(s): {url[:60]!r}")


def function_tools(tools: Iterable[Any]) -> list[dict[str, Any]]:
    """The ``function`` objects of OpenAI function tools (``ValueError`` for another tool)."""
    functions = []
    for tool in tools:
        function = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(function, dict) or not function.get("name"):
            raise ValueError(f"a tool is not an OpenAI function tool: {tool!r:.120}")
        functions.append(function)
    return functions


def data_url(url: str) -> tuple[str, str] | None:
    """``(media type, base64 data)`` of a ``data:<type>;base64,...`` URL, else None."""
    match = _DATA_URL.fullmatch(url)
    if match is None:
        return None
    return match["mime"] or "application/octet-stream", match["data"]


def tool_calls(message: dict[str, Any]) -> list[dict[str, Any]]:
    """An assistant message's ``tool_calls`` entries (``ValueError`` for one without an id)."""
    calls = message.get("tool_calls") or ()
    for call in calls:
        if not isinstance(call, dict) or not call.get("id"):
            raise ValueError(f"a tool call in the context has no id: {call!r:.120}")
    return list(calls)


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
