"""A fake of the Gemini API's ``streamGenerateContent`` on 127.0.0.1, from the public reference.

It checks requests the way the real API does (path, model, key in ``x-goog-api-key``,
``alt=sse``, non-empty contents and parts, one data field per part, roles, function
call turns followed by as many function responses, function declarations, generation
config) and answers with the test kit's scripted model
(``rtvi_core.testing.scripted_model``), streamed as the real API streams: one
``GenerateContentResponse`` per server-sent event, one token every ``token_delay``
seconds (50/s by default), ``functionCall`` parts whole with a ``thoughtSignature``,
``finishReason`` and the whole ``usageMetadata`` on the last chunk. Unless the request
sets ``thinkingBudget`` to 0 the model "thinks" (``thoughtsTokenCount``).

Faults (:func:`status`, :func:`error_chunk`, :func:`malformed`, :func:`finish`,
:func:`blocked`, and the kit's ``after``, ``stall``, ``silent``, ``raw``) queued with
``fail`` replace the next answers. With ``require_signatures`` a function call sent
back without its ``thoughtSignature`` is refused, as Gemini 3 models do.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from rtvi_core.testing.http_fake import Event, Fault, HTTPFailure, HTTPReply, HTTPRequest, StreamingFake, after, serve
from rtvi_core.testing.scripted_model import scripted_answer, tokens

PATH = re.compile(r"/(?P<version>v1|v1beta|v1alpha)/models/(?P<model>[^/:]+):streamGenerateContent")
PART_FIELDS = ("text", "inlineData", "fileData", "functionCall", "functionResponse")
FUNCTION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.:-]{0,63}")
THOUGHTS = 12
_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


class InvalidRequest(Exception):
    """A request the real API would refuse with HTTP 400 ``INVALID_ARGUMENT``."""


def error_body(code: int, message: str, details: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Google's error object."""
    error: dict[str, Any] = {"code": code, "message": message, "status": _STATUS_NAMES.get(code, "UNKNOWN")}
    if details:
        error["details"] = details
    return {"error": error}


class FakeGemini(StreamingFake):
    """The fake; ``url`` is its API root (what ``base_url`` takes)."""

    def __init__(
        self, *, token_delay: float = 0.02, api_key: str | None = None, require_signatures: bool = False
    ) -> None:
        super().__init__(token_delay=token_delay)
        self.api_key = api_key
        self.require_signatures = require_signatures
        #: The thought signatures handed out with function calls.
        self.signatures: set[str] = set()

    def answer(self, request: HTTPRequest) -> list[Event]:
        path = PATH.fullmatch(request.path)
        if request.method != "POST" or path is None:
            raise HTTPFailure(404, error_body(404, f"Method not found: {request.method} {request.path}"))
        self._check_key(request)
        model = path["model"]
        if not model.startswith("gemini-"):
            raise HTTPFailure(
                404,
                error_body(
                    404,
                    f"models/{model} is not found for API version "
                    f"{path['version']}, or is not supported for generateContent.",
                ),
            )
        try:
            if request.query.get("alt") != "sse":
                raise InvalidRequest("this fake streams server-sent events only (alt=sse)")
            body = self._check_body(request)
        except InvalidRequest as exc:
            raise HTTPFailure(400, error_body(400, str(exc))) from None
        return self._events(model, body)

    # -- the model --------------------------------------------------------------------

    def _events(self, model: str, body: dict[str, Any]) -> list[Event]:
        last = body["contents"][-1]
        results = [p["functionResponse"]["response"] for p in last["parts"] if "functionResponse" in p]
        said = " ".join(p.get("text", "") for p in last["parts"])
        tools = {d.get("name") for t in body.get("tools") or () for d in t.get("functionDeclarations") or ()}
        scripted = scripted_answer(said, tools, results[0] if results else None)
        parts: list[dict[str, Any]] = [{"text": t} for t in tokens(scripted.text)]
        if scripted.call_arguments is not None:
            signature = uuid.uuid4().hex
            self.signatures.add(signature)
            parts.append(
                {
                    "functionCall": {"name": "get_weather", "args": scripted.call_arguments},
                    "thoughtSignature": signature,
                }
            )
        prompt = len(json.dumps(body)) // 4
        thinking = body.get("generationConfig", {}).get("thinkingConfig", {}).get("thinkingBudget") != 0
        thoughts = THOUGHTS if thinking else 0
        response_id = uuid.uuid4().hex[:20]

        def chunk(part: dict[str, Any], usage: dict[str, Any], finish: str | None = None) -> Event:
            candidate: dict[str, Any] = {"content": {"parts": [part], "role": "model"}, "index": 0}
            if finish:
                candidate["finishReason"] = finish
            return None, {
                "candidates": [candidate],
                "usageMetadata": usage,
                "modelVersion": model,
                "responseId": response_id,
            }

        running = {"promptTokenCount": prompt, "totalTokenCount": prompt}
        events = [chunk(part, running) for part in parts]
        final = {
            "promptTokenCount": prompt,
            "candidatesTokenCount": len(parts),
            "totalTokenCount": prompt + len(parts) + thoughts,
            "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt}],
        }
        if thoughts:
            final["thoughtsTokenCount"] = thoughts
        events.append(chunk({"text": ""}, final, "STOP"))
        return events

    # -- request checks, as the real API makes them -------------------------------------

    def _check_key(self, request: HTTPRequest) -> None:
        if self.api_key is None:
            return
        key = request.headers.get("x-goog-api-key") or request.query.get("key")
        if not key:
            raise HTTPFailure(
                403,
                error_body(
                    403,
                    "Method doesn't allow unregistered callers (callers without "
                    "established identity). Please use API Key or other form of API "
                    "consumer identity to call this API.",
                ),
            )
        if key != self.api_key:
            details = [
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "API_KEY_INVALID",
                    "domain": "googleapis.com",
                }
            ]
            raise HTTPFailure(400, error_body(400, "API key not valid. Please pass a valid API key.", details))

    def _check_body(self, request: HTTPRequest) -> dict[str, Any]:
        try:
            body = request.json()
        except ValueError:
            raise InvalidRequest("Invalid JSON payload received.") from None
        if not isinstance(body, dict):
            raise InvalidRequest("Invalid JSON payload received. Expected an object.")
        contents = body.get("contents")
        if not isinstance(contents, list) or not contents:
            raise InvalidRequest("* GenerateContentRequest.contents: contents is not specified")
        system = body.get("systemInstruction")
        if system is not None:
            for j, part in enumerate(system.get("parts") or [{}]):
                _check_part(f"systemInstruction.parts[{j}]", part)
        self._check_contents(contents)
        _check_tools(body.get("tools") or [])
        config = body.get("generationConfig") or {}
        if not 0 <= config.get("temperature", 1) <= 2:
            raise InvalidRequest("* GenerateContentRequest.generation_config.temperature: must be in [0.0, 2.0]")
        if config.get("maxOutputTokens", 1) < 1:
            raise InvalidRequest("* GenerateContentRequest.generation_config.max_output_tokens: must be positive")
        return body

    def _check_contents(self, contents: list[Any]) -> None:
        open_calls = 0
        previous = None
        for i, content in enumerate(contents):
            role = content.get("role", "user")
            if role not in ("user", "model"):
                raise InvalidRequest("Please use a valid role: user, model.")
            parts = content.get("parts")
            if not isinstance(parts, list) or not parts:
                raise InvalidRequest(f"* GenerateContentRequest.contents[{i}].parts: contents.parts must not be empty.")
            for j, part in enumerate(parts):
                _check_part(f"contents[{i}].parts[{j}]", part)
            calls = [p for p in parts if "functionCall" in p]
            responses = [p for p in parts if "functionResponse" in p]
            if open_calls and len(responses) != open_calls:
                raise InvalidRequest(
                    "Please ensure that the number of function response parts is equal to the "
                    "number of function call parts of the function call turn."
                )
            if calls:
                if previous is not None and previous != "user":
                    raise InvalidRequest(
                        "Please ensure that function call turn comes immediately after a user turn "
                        "or after a function response turn."
                    )
                if self.require_signatures and any(p.get("thoughtSignature") not in self.signatures for p in calls):
                    raise InvalidRequest(
                        f"Function call is missing a thought_signature in functionCall parts. "
                        f"Position in contents: {i}."
                    )
            open_calls = len(calls)
            previous = role
        if open_calls:
            raise InvalidRequest("Please ensure that function call turn is followed by a function response turn.")


def _check_part(where: str, part: Any) -> None:
    fields = [name for name in PART_FIELDS if isinstance(part, dict) and part.get(name) not in (None, "", {})]
    if len(fields) != 1:
        raise InvalidRequest(
            f"* GenerateContentRequest.{where}.data: required oneof field 'data' must have one initialized field"
        )
    value = part[fields[0]]
    if fields[0] == "inlineData" and not (value.get("mimeType") and value.get("data")):
        raise InvalidRequest(f"* GenerateContentRequest.{where}.inline_data: mime_type and data are required")
    if fields[0] == "fileData" and not value.get("fileUri"):
        raise InvalidRequest(f"* GenerateContentRequest.{where}.file_data.file_uri: required")
    if fields[0] in ("functionCall", "functionResponse") and not value.get("name"):
        raise InvalidRequest(f"* GenerateContentRequest.{where}.{fields[0]}.name: Name cannot be empty.")
    if fields[0] == "functionResponse" and not isinstance(value.get("response"), dict):
        raise InvalidRequest(f"* GenerateContentRequest.{where}.function_response.response: must be an object")


def _check_tools(tools: list[Any]) -> None:
    for i, tool in enumerate(tools):
        for j, declaration in enumerate(tool.get("functionDeclarations") or ()):
            where = f"* GenerateContentRequest.tools[{i}].function_declarations[{j}]"
            if not FUNCTION_NAME.fullmatch(str(declaration.get("name", ""))):
                raise InvalidRequest(f"{where}.name: Invalid function name.")
            if "parameters" in declaration and "parametersJsonSchema" in declaration:
                raise InvalidRequest(f"{where}: parameters and parameters_json_schema are mutually exclusive")


# -- faults -------------------------------------------------------------------------------


def status(
    code: int, message: str, details: list[dict[str, Any]] | None = None, headers: dict[str, str] | None = None
) -> Fault:
    """Answer HTTP ``code`` with Google's error body."""

    async def fault(reply: HTTPReply, events: list[Event]) -> None:
        await reply.json(code, error_body(code, message, details), headers)

    return fault


def error_chunk(count: int, code: int, message: str) -> Fault:
    """``count`` chunks, then a chunk holding an ``error`` object."""
    return after(count, lambda reply: reply.event(error_body(code, message)))


def malformed(count: int, data: str) -> Fault:
    """``count`` chunks, then an event whose data is ``data``."""
    return after(count, lambda reply: reply.event(data))


def finish(count: int, reason: str) -> Fault:
    """``count`` chunks, then a last one ending the reply with ``finishReason`` ``reason``."""
    last = {"candidates": [{"content": {"parts": [{"text": ""}], "role": "model"}, "finishReason": reason, "index": 0}]}
    return after(count, lambda reply: reply.event(last))


def blocked(reason: str) -> Fault:
    """The prompt refused: one chunk with ``promptFeedback.blockReason`` and no candidate."""
    chunk = {"promptFeedback": {"blockReason": reason}, "usageMetadata": {"promptTokenCount": 9, "totalTokenCount": 9}}

    async def fault(reply: HTTPReply, events: list[Event]) -> None:
        await reply.start_events()
        await reply.event(chunk)

    return fault


@asynccontextmanager
async def fake_gemini(**options: Any) -> AsyncIterator[FakeGemini]:
    """Run a :class:`FakeGemini` on a free port for the block."""
    async with serve(FakeGemini(**options)) as fake:
        yield fake
