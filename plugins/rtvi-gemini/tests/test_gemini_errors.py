"""Every provider failure is a clear, non-fatal error and the next turn is answered.

The server is the fake Gemini API on 127.0.0.1 with a fault queued for the first
request (see ``gemini_fake``). The failures of the connection itself (nothing
listening, timeouts, a stalled, dropped or garbled stream, interruption, the RTVI
client's view) are the core's ``HTTPLLMContract``, run here against the fake.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from gemini_fake import FakeGemini, blocked, error_chunk, fake_gemini, finish, malformed, status
from rtvi_gemini import GeminiLLMService

from rtvi_core.services.llm_context import LLMContext
from rtvi_core.testing.contracts.http_llm import HTTPLLMContract
from rtvi_core.testing.contracts.llm import LLMContract, Replies
from rtvi_core.testing.http_fake import after, raw
from rtvi_core.testing.scripted_model import GREETING

pytestmark = pytest.mark.anyio

KEY_HINT = "set a valid key in the environment variable GEMINI_API_KEY or GOOGLE_API_KEY (or [llm] api_key)"
RETRY_INFO = {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "37s"}
QUOTA = "You exceeded your current quota, please check your plan and billing details."


class TestGeminiTransport(HTTPLLMContract):
    provider = "Gemini"

    @pytest.fixture
    async def fake(self) -> AsyncIterator[FakeGemini]:
        async with fake_gemini(token_delay=0.02) as server:
            yield server

    @pytest.fixture
    def make_llm(self) -> Callable[..., GeminiLLMService]:
        return lambda url, **options: GeminiLLMService(base_url=url, **options)


def user(text: str = "Hi") -> LLMContext:
    return LLMContext([{"role": "user", "content": text}])


async def turns(llm: GeminiLLMService, *contexts: LLMContext) -> Replies:
    """Run one inference per context in one pipeline run."""
    return await LLMContract().infer(llm, *contexts)


FAULTS = {
    "400 API_KEY_INVALID": (
        status(
            400,
            "API key not valid. Please pass a valid API key.",
            [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"}],
        ),
        f"Gemini rejected the API key (HTTP 400 API_KEY_INVALID): API key not valid. Please pass a valid API key.; {KEY_HINT}",
    ),
    "403": (
        status(403, "Method doesn't allow unregistered callers."),
        "Gemini refused access (HTTP 403 PERMISSION_DENIED): Method doesn't allow unregistered callers.; check the "
        "key in the environment variable GEMINI_API_KEY or GOOGLE_API_KEY (or [llm] api_key) and that its project "
        "may use this model",
    ),
    "404 model": (
        status(404, "models/gemini-nope is not found for API version v1beta"),
        "Gemini found no such model or path (HTTP 404 NOT_FOUND): models/gemini-nope is not found for API version "
        "v1beta; check model, api_version and base_url",
    ),
    "429 with RetryInfo": (
        status(429, QUOTA, [RETRY_INFO]),
        f"Gemini quota or rate limit reached (HTTP 429 RESOURCE_EXHAUSTED; retry after 37 s): {QUOTA}; wait, or "
        "raise the project's quota",
    ),
    "429 with Retry-After": (
        status(429, QUOTA, headers={"Retry-After": "5"}),
        f"Gemini quota or rate limit reached (HTTP 429 RESOURCE_EXHAUSTED; retry after 5 s): {QUOTA}; wait, or "
        "raise the project's quota",
    ),
    "500": (
        status(500, "An internal error has occurred."),
        "Gemini had an internal error (HTTP 500 INTERNAL): An internal error has occurred.; try again in a moment",
    ),
    "503 overloaded": (
        status(503, "The model is overloaded. Please try again later."),
        "Gemini is overloaded or unavailable (HTTP 503 UNAVAILABLE): The model is overloaded. Please try again "
        "later.; try again in a moment",
    ),
    "502 from a proxy": (
        raw(
            b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nContent-Length: 21\r\nConnection: close\r\n\r\n"
            b"<html>upstream</html>"
        ),
        "Gemini had an internal error (HTTP 502 INTERNAL): <html>upstream</html>; try again in a moment",
    ),
    "error chunk mid-stream": (
        error_chunk(3, 503, "The model is overloaded."),
        "Gemini is overloaded or unavailable (UNAVAILABLE mid-stream): The model is overloaded.; try again in a moment",
    ),
    "not JSON": (
        malformed(2, "{not json"),
        "Gemini sent a malformed stream from {url}: an event is not JSON: '{not json'",
    ),
    "JSON but no object": (
        malformed(2, "[1, 2]"),
        "Gemini sent a malformed stream from {url}: an event is not a JSON object: '[1, 2]'",
    ),
    "parts not a list": (
        malformed(1, '{"candidates": [{"content": {"parts": "x"}, "index": 0}]}'),
        "Gemini sent an unusable answer: a candidate's content has no list of parts: {'parts': 'x'}",
    ),
    "stopped for safety": (
        finish(3, "SAFETY"),
        "Gemini stopped the reply (finishReason SAFETY) for safety; rephrase, or change safetySettings through extra_body",
    ),
    "malformed function call": (
        finish(0, "MALFORMED_FUNCTION_CALL"),
        "Gemini stopped the reply (finishReason MALFORMED_FUNCTION_CALL) with a malformed tool call; try again",
    ),
    "prompt blocked": (
        blocked("PROHIBITED_CONTENT"),
        "Gemini blocked the prompt (blockReason PROHIBITED_CONTENT); rephrase, or change safetySettings through extra_body",
    ),
}


@pytest.mark.parametrize("case", list(FAULTS))
async def test_provider_failure_is_a_clear_error_and_the_next_turn_works(fake: FakeGemini, case: str) -> None:
    fault, message = FAULTS[case]
    fake.fail(fault)
    llm = GeminiLLMService(base_url=fake.url)
    replies = await turns(llm, user(), user())
    expected = message.replace("{url}", llm.url)
    assert [(e.error, e.fatal) for e in replies.errors] == [(expected, False)]
    assert replies.framing()[-3:] == ["start", "text", "end"]
    assert replies.framing().count("end") == 2
    assert replies.texts[-1] == GREETING
    assert len(fake.requests) == 2


async def test_text_before_a_dropped_connection_is_kept(fake: FakeGemini) -> None:
    fake.fail(after(3))
    replies = await turns(GeminiLLMService(base_url=fake.url), user())
    assert replies.texts == ["Hello! How can "]


async def test_wrong_key_against_a_server_that_checks_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    monkeypatch.setenv("GOOGLE_API_KEY", "AIza-wrong")
    async with fake_gemini(token_delay=0, api_key="AIza-right") as server:
        replies = await turns(GeminiLLMService(base_url=server.url), user())
        assert server.requests[0].headers["x-goog-api-key"] == "AIza-wrong"
    assert [e.error for e in replies.errors] == [
        f"Gemini rejected the API key (HTTP 400 API_KEY_INVALID): API key not valid. Please pass a valid API key.; {KEY_HINT}"
    ]


async def test_missing_api_key_for_the_public_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    replies = await turns(GeminiLLMService(), user(), user())
    message = (
        "Gemini: no API key for https://generativelanguage.googleapis.com: set the environment variable "
        "GEMINI_API_KEY or GOOGLE_API_KEY (or [llm] api_key)"
    )
    assert [(e.error, e.fatal) for e in replies.errors] == [(message, False)] * 2
    assert replies.framing() == ["start", "end", "start", "end"]


async def test_a_request_the_api_refuses(fake: FakeGemini) -> None:
    replies = await turns(
        GeminiLLMService(base_url=fake.url, extra_body={"generationConfig": {"temperature": 3}}), user()
    )
    assert fake.requests and replies.texts == [""]
    assert [e.error for e in replies.errors] == [
        "Gemini refused the request (HTTP 400 INVALID_ARGUMENT): * GenerateContentRequest.generation_config."
        "temperature: must be in [0.0, 2.0]; check the bot file's llm settings"
    ]


async def test_a_context_that_cannot_be_sent(fake: FakeGemini) -> None:
    audio = LLMContext([{"role": "user", "content": [{"type": "input_audio", "input_audio": {"data": "AA=="}}]}])
    orphan = LLMContext([{"role": "user", "content": "Hi"}, {"role": "tool", "tool_call_id": "c9", "content": "{}"}])
    replies = await turns(GeminiLLMService(base_url=fake.url), audio, orphan, LLMContext(), user())
    assert [e.error for e in replies.errors] == [
        "Gemini: cannot send this context: a content part of type 'input_audio' cannot be sent to Gemini",
        "Gemini: cannot send this context: the tool result 'c9' answers no tool call in the context",
        "Gemini: cannot send this context: the context has no message to answer",
    ]
    assert replies.texts == ["", "", "", GREETING] and len(fake.requests) == 1
