"""``EchoLLMService``: a deterministic, rule-based LLM with no dependencies.

It answers the last user message with the first matching :class:`EchoRule`
(a greeting by default) or ``"You said: <text>"``, streamed word by word. A
:class:`ToolRule` makes it call a tool instead; after the tool results it replies
``"<function> returned: <result>"``. Handy for demos, tests and wiring checks.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import AsyncGenerator, Sequence
from dataclasses import dataclass, field
from typing import Any

import anyio

from ..component import Component, LazyConfig
from ..frames import FunctionCallFromLLM
from ..llm_context import LLMContext, message_text
from ..metrics import LLMTokenUsage
from ..services.llm import LLMOutput, LLMService

_WORDS = re.compile(r"\s*\S+")


@dataclass(frozen=True)
class EchoRule:
    """Reply with ``reply`` when ``pattern`` matches the user text (case-insensitive).

    ``reply`` is a ``str.format`` template: ``{0}`` is the whole match, ``{1}``...
    the groups, ``{text}`` the user text.
    """

    pattern: str
    reply: str


@dataclass(frozen=True)
class ToolRule:
    """Call ``function`` when ``pattern`` matches the user text (case-insensitive).

    String values of ``arguments`` are templates like :attr:`EchoRule.reply`, e.g.
    ``ToolRule(r"weather in (\\w+)", "get_weather", {"city": "{1}"})``.
    """

    pattern: str
    function: str
    arguments: dict[str, Any] = field(default_factory=dict)


GREETING = "Hello! How can I help you today?"
DEFAULT_RULES: tuple[EchoRule, ...] = (EchoRule(r"^\W*(hi|hello|hey)\b", GREETING),)


def _fill(template: str, match: re.Match[str], text: str) -> str:
    groups = (group or "" for group in match.groups())
    return template.format(match.group(0), *groups, text=text)


class EchoLLMService(LLMService, Component):
    """A rule-based LLM: deterministic replies, tool calls and word-count usage.

    ``token_delay`` (seconds) paces the word chunks (0 for tests, ~0.02 for demos).
    ``greeting`` answers a context without user messages (e.g. an ``LLMRunFrame``
    at session start).
    """

    PLUGIN_NAME = "echo"
    DESCRIPTION = "Deterministic rule-based replies (echoes the user); no model, no network"
    Config = LazyConfig("rtvi_core.builtins.plugin:EchoLLMConfig")

    def __init__(
        self,
        *,
        rules: Sequence[EchoRule] = DEFAULT_RULES,
        tool_rules: Sequence[ToolRule] = (),
        fallback: str = "You said: {text}",
        greeting: str = GREETING,
        token_delay: float = 0.0,
        model: str = "echo",
        name: str | None = None,
    ) -> None:
        super().__init__(model=model, name=name)
        self._rules = [(re.compile(rule.pattern, re.IGNORECASE), rule.reply) for rule in rules]
        self._tool_rules = [(re.compile(rule.pattern, re.IGNORECASE), rule) for rule in tool_rules]
        self._fallback = fallback
        self._greeting = greeting
        self._token_delay = token_delay
        self._call_ids = itertools.count(1)

    async def generate(self, context: LLMContext) -> AsyncGenerator[LLMOutput, None]:
        messages = context.messages
        prompt_tokens = sum(len(message_text(m).split()) for m in messages)
        if messages and messages[-1].get("role") == "tool":
            reply = self._reply_to_tool_results(messages)
        else:
            text = self._last_user_text(messages)
            call = self._tool_call(text) if text is not None else None
            if call is not None:
                yield call
                yield LLMTokenUsage(prompt_tokens, 1, prompt_tokens + 1)
                return
            reply = self._reply(text)
        chunks = _WORDS.findall(reply)
        for chunk in chunks:
            if self._token_delay:
                await anyio.sleep(self._token_delay)
            yield chunk
        yield LLMTokenUsage(prompt_tokens, len(chunks), prompt_tokens + len(chunks))

    @staticmethod
    def _last_user_text(messages: list[dict[str, Any]]) -> str | None:
        for message in reversed(messages):
            if message.get("role") == "user":
                return message_text(message).strip()
        return None

    def _tool_call(self, text: str) -> FunctionCallFromLLM | None:
        for pattern, rule in self._tool_rules:
            match = pattern.search(text)
            if match:
                arguments = {
                    key: _fill(value, match, text) if isinstance(value, str) else value
                    for key, value in rule.arguments.items()
                }
                return FunctionCallFromLLM(
                    function_name=rule.function,
                    tool_call_id=f"call_{next(self._call_ids)}",
                    arguments=arguments,
                )
        return None

    def _reply(self, text: str | None) -> str:
        if text is None:
            return self._greeting
        for pattern, reply in self._rules:
            match = pattern.search(text)
            if match:
                return _fill(reply, match, text)
        return self._fallback.format(text=text)

    @staticmethod
    def _reply_to_tool_results(messages: list[dict[str, Any]]) -> str:
        # The tool messages after the last text message (calls and results interleave).
        results: list[dict[str, Any]] = []
        for message in reversed(messages):
            if message.get("role") == "tool":
                results.append(message)
            elif not message.get("tool_calls"):
                break
        names = {
            call["id"]: call["function"]["name"] for message in messages for call in message.get("tool_calls") or ()
        }
        return " ".join(
            f"{names.get(m.get('tool_call_id'), 'the tool')} returned: {m.get('content')}" for m in reversed(results)
        )
