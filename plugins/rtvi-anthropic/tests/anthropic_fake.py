"""A fake of Anthropic's Messages API on 127.0.0.1, written from the public API reference.

It checks requests the way the real API does (headers, key, required fields, roles,
non-empty text, ``tool_use``/``tool_result`` pairing, image sources, tool schemas) and
answers with a scripted "model" streamed as the real API streams: ``message_start``,
``ping``, ``content_block_start`` / ``content_block_delta`` (``text_delta``,
``input_json_delta``) / ``content_block_stop``, ``message_delta`` (``stop_reason``,
usage), ``message_stop`` — one token every ``token_delay`` seconds (50/s by default).

The model is the test kit's scripted one (``rtvi_core.testing.scripted_model``). Prompt caching is modelled: a prefix marked with ``cache_control`` is written
on first sight and read afterwards. Faults (:func:`status`, :func:`error_event`,
:func:`pings`, and the kit's :func:`~rtvi_core.testing.http_fake.after`, ``stall``,
``silent``, ``raw``) queued with ``fail`` replace the next answers.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio

from rtvi_core.testing.http_fake import (
    Event,
    Fault,
    HTTPFailure,
    HTTPReply,
    HTTPRequest,
    StreamingFake,
    after,
    serve,
)
from rtvi_core.testing.scripted_model import scripted_answer, tokens

IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")


class InvalidRequest(Exception):
    """A request the real API would refuse with HTTP 400 ``invalid_request_error``."""


def error_body(kind: str, message: str) -> dict[str, Any]:
    """Anthropic's error object."""
    return {"type": "error", "error": {"type": kind, "message": message}}


class FakeAnthropic(StreamingFake):
    """The fake; ``url`` is its API root (what ``base_url`` takes)."""

    def __init__(self, *, token_delay: float = 0.02, api_key: str | None = None) -> None:
        super().__init__(token_delay=token_delay)
        self.api_key = api_key
        self._cache: set[str] = set()

    def answer(self, request: HTTPRequest) -> list[Event]:
        if (request.method, request.path) != ("POST", "/v1/messages"):
            raise HTTPFailure(404, error_body("not_found_error", f"Not found: {request.method} {request.path}"))
        if self.api_key is not None and request.headers.get("x-api-key") != self.api_key:
            raise HTTPFailure(401, error_body("authentication_error", "invalid x-api-key"))
        try:
            body = check_request(request)
        except InvalidRequest as exc:
            raise HTTPFailure(400, error_body("invalid_request_error", str(exc))) from None
        return self._events(body)

    def paced(self, event: Event) -> bool:
        return event[0] == "content_block_delta"

    # -- the model --------------------------------------------------------------------

    def _events(self, body: dict[str, Any]) -> list[Event]:
        blocks, stop_reason = answer(body)
        usage = self._usage(body)
        message = {
            "id": f"msg_{uuid.uuid4().hex[:24]}",
            "type": "message",
            "role": "assistant",
            "content": [],
            "model": body["model"],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": usage | {"output_tokens": 1},
        }
        events: list[Event] = [
            ("message_start", {"type": "message_start", "message": message}),
            ("ping", {"type": "ping"}),
        ]
        produced = 0
        for index, block in enumerate(blocks):
            if block["type"] == "text":
                start = {"type": "text", "text": ""}
                deltas = [{"type": "text_delta", "text": t} for t in tokens(block["text"])]
            else:
                start = {"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}
                text = json.dumps(block["input"])
                deltas = [{"type": "input_json_delta", "partial_json": text[i : i + 7]} for i in range(0, len(text), 7)]
            produced += len(deltas)
            events.append(
                ("content_block_start", {"type": "content_block_start", "index": index, "content_block": start})
            )
            events += [
                ("content_block_delta", {"type": "content_block_delta", "index": index, "delta": d}) for d in deltas
            ]
            events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
        events.append(
            (
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                    "usage": {"output_tokens": produced},
                },
            )
        )
        events.append(("message_stop", {"type": "message_stop"}))
        return events

    def _usage(self, body: dict[str, Any]) -> dict[str, int]:
        """Tokens (4 characters each) of the prompt, and of its cached prefix."""
        system = body.get("system") or []
        tools = body.get("tools") or []
        total = len(json.dumps([system, tools, body["messages"]])) // 4
        prefix: list[Any] = []
        marked: list[Any] | None = None
        for item in [*tools, *(system if isinstance(system, list) else [])]:
            prefix.append(item)
            if "cache_control" in item:
                marked = list(prefix)
        usage = {"input_tokens": total, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}
        if marked:
            key = json.dumps(marked, sort_keys=True)
            cached = len(key) // 4
            usage["input_tokens"] = max(total - cached, 1)
            usage["cache_read_input_tokens" if key in self._cache else "cache_creation_input_tokens"] = cached
            self._cache.add(key)
        return usage


def answer(body: dict[str, Any]) -> tuple[list[dict[str, Any]], str]:
    """The scripted model's content blocks and stop reason for a request."""
    last = body["messages"][-1]
    content = last["content"] if isinstance(last["content"], list) else [{"type": "text", "text": last["content"]}]
    results = [b.get("content") or "{}" for b in content if b.get("type") == "tool_result"]
    said = " ".join(b.get("text", "") for b in content if b.get("type") == "text")
    tools = {tool.get("name") for tool in body.get("tools") or ()}
    scripted = scripted_answer(said, tools, results[0] if results else None)
    blocks: list[dict[str, Any]] = [{"type": "text", "text": scripted.text}]
    if scripted.call_arguments is None:
        return blocks, "end_turn"
    call = {
        "type": "tool_use",
        "id": f"toolu_{uuid.uuid4().hex[:24]}",
        "name": "get_weather",
        "input": scripted.call_arguments,
    }
    return [*blocks, call], "tool_use"


# -- request checks, as the real API makes them ------------------------------------------


def check_request(request: HTTPRequest) -> dict[str, Any]:
    """The request body, or :class:`InvalidRequest` with the real API's kind of message."""
    if not request.headers.get("anthropic-version"):
        raise InvalidRequest("anthropic-version: header is required")
    try:
        body = request.json()
    except ValueError:
        raise InvalidRequest("There was an error parsing the body of your request") from None
    if not isinstance(body, dict):
        raise InvalidRequest("request body must be an object")
    for name in ("model", "max_tokens", "messages"):
        if name not in body:
            raise InvalidRequest(f"{name}: Field required")
    if not isinstance(body["model"], str) or not body["model"]:
        raise InvalidRequest("model: String should have at least 1 character")
    if not isinstance(body["max_tokens"], int) or body["max_tokens"] < 1:
        raise InvalidRequest("max_tokens: Input should be greater than or equal to 1")
    if not body.get("stream"):
        raise InvalidRequest("stream: this fake answers streaming requests only")
    temperature = body.get("temperature", 1)
    if not isinstance(temperature, (int, float)) or not 0 <= temperature <= 1:
        raise InvalidRequest("temperature: Input should be less than or equal to 1")
    _check_system(body.get("system"))
    for index, tool in enumerate(body.get("tools") or ()):
        if not tool.get("name") or (tool.get("input_schema") or {}).get("type") != "object":
            raise InvalidRequest(f"tools.{index}: a tool needs a name and an input_schema of type object")
    _check_messages(body["messages"])
    return body


def _check_system(system: Any) -> None:
    if system is None or isinstance(system, str):
        return
    if not isinstance(system, list) or not all(isinstance(b, dict) and b.get("type") == "text" for b in system):
        raise InvalidRequest("system: Input should be a valid string or a list of text blocks")
    for index, block in enumerate(system):
        _check_text(f"system.{index}", block.get("text"))


def _check_messages(messages: Any) -> None:
    if not isinstance(messages, list) or not messages:
        raise InvalidRequest("messages: at least one message is required")
    if messages[0].get("role") != "user":
        raise InvalidRequest('messages: first message must use the "user" role')
    pending: set[str] = set()
    for i, message in enumerate(messages):
        if message.get("role") not in ("user", "assistant"):
            raise InvalidRequest(f"messages.{i}.role: Input should be 'user' or 'assistant'")
        content = message.get("content")
        final_assistant = i == len(messages) - 1 and message["role"] == "assistant"
        if isinstance(content, str):
            if not content.strip() and not final_assistant:
                raise InvalidRequest(
                    f"messages.{i}: all messages must have non-empty content except for the optional final assistant message"
                )
            blocks: list[dict[str, Any]] = []
        elif isinstance(content, list) and (content or final_assistant):
            blocks = content
        else:
            raise InvalidRequest(f"messages.{i}.content: Input should be a valid string or a non-empty list")
        results = {b.get("tool_use_id") for b in blocks if b.get("type") == "tool_result"}
        if pending - results:
            raise InvalidRequest(
                f"messages.{i}: `tool_use` ids were found without `tool_result` blocks immediately after: "
                f"{', '.join(sorted(pending - results))}"
            )
        if results - pending:
            raise InvalidRequest(
                f"messages.{i}: unexpected `tool_use_id` found in `tool_result` blocks: "
                f"{', '.join(sorted(str(r) for r in results - pending))}"
            )
        pending = set()
        for j, block in enumerate(blocks):
            pending |= _check_block(f"messages.{i}.content.{j}", message["role"], block)


def _check_block(where: str, role: str, block: dict[str, Any]) -> set[str]:
    """Check one content block; the tool_use ids it opens."""
    kind = block.get("type")
    if kind == "text":
        _check_text(where, block.get("text"))
    elif kind == "image" and role == "user":
        source = block.get("source") or {}
        if source.get("type") == "base64":
            if source.get("media_type") not in IMAGE_TYPES:
                raise InvalidRequest(f"{where}.source.media_type: Input should be one of {', '.join(IMAGE_TYPES)}")
            if not source.get("data"):
                raise InvalidRequest(f"{where}.source.data: Field required")
        elif not (source.get("type") == "url" and str(source.get("url", "")).startswith("http")):
            raise InvalidRequest(f"{where}.source: Input tag does not match 'base64' or 'url'")
    elif kind == "tool_use" and role == "assistant":
        if not block.get("id") or not block.get("name") or not isinstance(block.get("input"), dict):
            raise InvalidRequest(f"{where}: a tool_use block needs an id, a name and an input object")
        return {block["id"]}
    elif kind == "tool_result" and role == "user":
        if "content" in block and not isinstance(block["content"], (str, list)):
            raise InvalidRequest(f"{where}.content: Input should be a valid string or list")
    else:
        raise InvalidRequest(f"{where}.type: a {role} message cannot hold a {kind!r} block")
    return set()


def _check_text(where: str, text: Any) -> None:
    if not isinstance(text, str) or not text:
        raise InvalidRequest(f"{where}.text: text content blocks must be non-empty")
    if not text.strip():
        raise InvalidRequest(f"{where}.text: text content blocks must contain non-whitespace text")


# -- faults -------------------------------------------------------------------------------


def status(code: int, kind: str, message: str, headers: dict[str, str] | None = None) -> Fault:
    """Answer HTTP ``code`` with Anthropic's error body."""

    async def fault(reply: HTTPReply, events: list[Event]) -> None:
        await reply.json(code, error_body(kind, message), headers)

    return fault


def error_event(count: int, kind: str, message: str) -> Fault:
    """``count`` events, then an ``error`` event (e.g. ``overloaded_error``)."""
    return after(count, lambda reply: reply.event(error_body(kind, message), "error"))


def malformed(count: int, data: str) -> Fault:
    """``count`` events, then an event whose data is ``data``."""
    return after(count, lambda reply: reply.event(data, "content_block_delta"))


def pings(count: int, every: float) -> Fault:
    """``count`` events, then a ``ping`` every ``every`` seconds until the client hangs up."""

    async def forever(reply: HTTPReply) -> None:
        while True:
            await anyio.sleep(every)
            await reply.event({"type": "ping"}, "ping")

    return after(count, forever)


@asynccontextmanager
async def fake_anthropic(**options: Any) -> AsyncIterator[FakeAnthropic]:
    """Run a :class:`FakeAnthropic` on a free port for the block."""
    async with serve(FakeAnthropic(**options)) as fake:
        yield fake
