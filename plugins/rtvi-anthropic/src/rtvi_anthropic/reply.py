"""``ReplyReader``: the text, tool calls and usage in the events of a streamed message.

Events (Anthropic's streaming reference): ``message_start`` (usage so far),
``content_block_start`` / ``content_block_delta`` (``text_delta``, ``input_json_delta``)
/ ``content_block_stop`` per content block, ``message_delta`` (``stop_reason``, usage),
``message_stop``. Blocks and deltas of other types (thinking, citations...) are
skipped, as the API's versioning policy asks of clients.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rtvi_openai.json_object import parse_json_object

from rtvi_core.frames import FunctionCallFromLLM
from rtvi_core.metrics import LLMTokenUsage

#: The usage counters Anthropic reports.
_COUNTERS = ("input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")


@dataclass
class _ToolUse:
    tool_use_id: str
    name: str
    json_parts: list[str] = field(default_factory=list)


class ReplyReader:
    """Reads one message's events; ``ValueError`` for events that make no sense."""

    def __init__(self) -> None:
        self.calls: list[FunctionCallFromLLM] = []
        self.stop_reason: str | None = None
        self._tool_uses: dict[int, _ToolUse] = {}
        self._usage: dict[str, int] = {}

    def read(self, event: dict[str, Any]) -> str:
        """Take in one event; return the reply text it carries (often ``""``)."""
        kind = event.get("type")
        if kind == "content_block_delta":
            return self._delta(event)
        if kind == "content_block_start":
            return self._block_start(event)
        if kind == "content_block_stop":
            self._block_stop(event)
        elif kind == "message_start":
            message = _object(event, "message")
            self._count(message.get("usage"))
        elif kind == "message_delta":
            self.stop_reason = _object(event, "delta").get("stop_reason") or self.stop_reason
            self._count(event.get("usage"))
        return ""

    def usage(self) -> LLMTokenUsage | None:
        """The message's token usage (None if the stream reported none)."""
        if not self._usage:
            return None
        created = self._usage.get("cache_creation_input_tokens")
        read = self._usage.get("cache_read_input_tokens")
        prompt = self._usage.get("input_tokens", 0) + (created or 0) + (read or 0)
        completion = self._usage.get("output_tokens", 0)
        return LLMTokenUsage(
            prompt_tokens=prompt,
            completion_tokens=completion,
            total_tokens=prompt + completion,
            cache_read_input_tokens=read,
            cache_creation_input_tokens=created,
        )

    def _block_start(self, event: dict[str, Any]) -> str:
        block = _object(event, "content_block")
        if block.get("type") == "tool_use":
            if not block.get("id") or not block.get("name"):
                raise ValueError(f"a tool_use block without id or name: {block!r:.120}")
            self._tool_uses[_index(event)] = _ToolUse(block["id"], block["name"])
        elif block.get("type") == "text":
            return _text(block.get("text", ""))
        return ""

    def _delta(self, event: dict[str, Any]) -> str:
        delta = _object(event, "delta")
        if delta.get("type") == "text_delta":
            return _text(delta.get("text"))
        if delta.get("type") == "input_json_delta":
            tool_use = self._tool_uses.get(_index(event))
            if tool_use is None:
                raise ValueError(f"input_json_delta for block {_index(event)}, which is no tool_use")
            tool_use.json_parts.append(_text(delta.get("partial_json")))
        return ""

    def _block_stop(self, event: dict[str, Any]) -> None:
        tool_use = self._tool_uses.pop(_index(event), None)
        if tool_use is None:
            return
        text = "".join(tool_use.json_parts)
        what = f"the input of tool call {tool_use.name!r}"
        arguments = parse_json_object(text, what) if text.strip() else {}
        self.calls.append(
            FunctionCallFromLLM(function_name=tool_use.name, tool_call_id=tool_use.tool_use_id, arguments=arguments)
        )

    def _count(self, usage: Any) -> None:
        if isinstance(usage, dict):
            for name in _COUNTERS:
                if isinstance(usage.get(name), int):
                    self._usage[name] = usage[name]


def _object(event: dict[str, Any], key: str) -> dict[str, Any]:
    value = event.get(key)
    if not isinstance(value, dict):
        raise ValueError(f"a {event.get('type')} event without a {key} object")
    return value


def _index(event: dict[str, Any]) -> int:
    index = event.get("index")
    if not isinstance(index, int):
        raise ValueError(f"a {event.get('type')} event without a block index")
    return index


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"a text that is not a string: {value!r:.60}")
    return value
