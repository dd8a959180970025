"""``scripted_answer``: what a provider fake's "model" says, the same for every provider.

The LLM contract suite needs a model that greets, calls the ``get_weather`` tool when
asked about the weather, answers from the tool's result, and tells a story long enough
to be interrupted. A fake turns the :class:`ScriptedAnswer` into its provider's events.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

#: The greeting, the reply to anything else.
GREETING = "Hello! How can I help you today?"
#: The long story: 300 words.
STORY = " ".join(f"word{n}" for n in range(300))


@dataclass
class ScriptedAnswer:
    """Text to say, then maybe a ``get_weather`` call with these arguments."""

    text: str
    call_arguments: dict[str, Any] | None = None


def scripted_answer(said: str, tools: Collection[str], tool_result: Any = None) -> ScriptedAnswer:
    """The answer to the user's last words ``said``, with ``tools`` offered.

    After a tool result (``tool_result``: its JSON text or value) it reports the
    weather in it; asked about the weather with ``get_weather`` offered, it calls the
    tool for the capitalised word after "in" (Paris if none); asked for a long story,
    it tells :data:`STORY`; otherwise it says :data:`GREETING`.
    """
    if tool_result is not None:
        weather = _json_object(tool_result)
        return ScriptedAnswer(
            f"It is {weather.get('sky', 'fine')} and {weather.get('temperature_c', 20)} degrees "
            f"in {weather.get('city', 'town')}."
        )
    if "get_weather" in tools and "weather" in said.lower():
        city = re.search(r"\bin ([A-Z]\w+)", said)
        return ScriptedAnswer("Let me check the weather.", {"city": city[1] if city else "Paris"})
    if "long story" in said.lower():
        return ScriptedAnswer(STORY)
    return ScriptedAnswer(GREETING)


def tokens(text: str) -> list[str]:
    """``text`` cut into word-sized tokens (each with its trailing space)."""
    return re.findall(r"\S+\s*|\s+", text)


def _json_object(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}
