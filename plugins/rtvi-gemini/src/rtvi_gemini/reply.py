"""``ReplyReader``: the text, function calls and usage in the chunks of a streamed reply.

Each chunk of ``streamGenerateContent?alt=sse`` is a ``GenerateContentResponse``:
``candidates[0].content.parts`` (``text``, ``functionCall``; ``thought`` parts are the
model's thinking and are skipped), ``candidates[0].finishReason`` on the last one,
``usageMetadata`` (cumulative), and ``promptFeedback.blockReason`` when the prompt was
refused.
"""

from __future__ import annotations

import uuid
from typing import Any

from rtvi_core.frames import FunctionCallFromLLM
from rtvi_core.metrics import LLMTokenUsage

#: The prefix of tool call ids made here, for calls Gemini gave no id.
GENERATED_ID_PREFIX = "gemini_call_"


class ReplyReader:
    """Reads one reply's chunks; ``ValueError`` for chunks that make no sense."""

    def __init__(self) -> None:
        self.calls: list[FunctionCallFromLLM] = []
        #: What to send back with each call, by tool call id: Gemini's ``id``, ``thoughtSignature``.
        self.call_extras: dict[str, dict[str, str]] = {}
        self.finish_reason: str | None = None
        self.block_reason: str | None = None
        self.block_message: str | None = None
        self._usage: dict[str, Any] | None = None

    def read(self, chunk: dict[str, Any]) -> str:
        """Take in one chunk; return the reply text it carries (often ``""``)."""
        feedback = chunk.get("promptFeedback")
        if isinstance(feedback, dict) and feedback.get("blockReason"):
            self.block_reason = str(feedback["blockReason"])
            self.block_message = feedback.get("blockReasonMessage")
        if isinstance(chunk.get("usageMetadata"), dict):
            self._usage = chunk["usageMetadata"]
        candidates = chunk.get("candidates") or []
        if not isinstance(candidates, list):
            raise ValueError(f"candidates is not a list: {candidates!r:.80}")
        candidate = next((c for c in candidates if isinstance(c, dict) and c.get("index", 0) == 0), None)
        if candidate is None:
            return ""
        if candidate.get("finishReason"):
            self.finish_reason = str(candidate["finishReason"])
        content = candidate.get("content") or {}
        parts = content.get("parts") or [] if isinstance(content, dict) else None
        if not isinstance(parts, list):
            raise ValueError(f"a candidate's content has no list of parts: {content!r:.80}")
        return "".join(self._part(part) for part in parts)

    def usage(self) -> LLMTokenUsage | None:
        """The reply's token usage (None if the stream reported none)."""
        usage = self._usage
        if not usage or "promptTokenCount" not in usage:
            return None
        prompt = _count(usage, "promptTokenCount") + _count(usage, "toolUsePromptTokenCount")
        thoughts = _count(usage, "thoughtsTokenCount")
        completion = _count(usage, "candidatesTokenCount") + thoughts
        return LLMTokenUsage(
            prompt_tokens=prompt,
            completion_tokens=completion,
            total_tokens=_count(usage, "totalTokenCount") or prompt + completion,
            cache_read_input_tokens=usage.get("cachedContentTokenCount"),
            reasoning_tokens=thoughts or None,
        )

    def _part(self, part: Any) -> str:
        if not isinstance(part, dict) or part.get("thought"):
            return ""
        if "functionCall" in part:
            self._function_call(part)
            return ""
        text = part.get("text", "")
        if not isinstance(text, str):
            raise ValueError(f"a text part that is not a string: {text!r:.60}")
        return text

    def _function_call(self, part: dict[str, Any]) -> None:
        call = part["functionCall"]
        if not isinstance(call, dict) or not call.get("name"):
            raise ValueError(f"a functionCall without a name: {call!r:.120}")
        arguments = call.get("args") or {}
        if not isinstance(arguments, dict):
            raise ValueError(f"the args of functionCall {call['name']!r} are not an object: {arguments!r:.60}")
        tool_call_id = call.get("id") or f"{GENERATED_ID_PREFIX}{uuid.uuid4().hex[:24]}"
        extras = {"id": call["id"]} if call.get("id") else {}
        if part.get("thoughtSignature"):
            extras["thoughtSignature"] = part["thoughtSignature"]
        if extras:
            self.call_extras[tool_call_id] = extras
        self.calls.append(
            FunctionCallFromLLM(function_name=call["name"], tool_call_id=tool_call_id, arguments=arguments)
        )


def _count(usage: dict[str, Any], name: str) -> int:
    value = usage.get(name)
    return value if isinstance(value, int) else 0
