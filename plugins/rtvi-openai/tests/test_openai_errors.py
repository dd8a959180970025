"""Every failure is a clear, non-fatal error and the next turn is answered.

The server is a real HTTP server on 127.0.0.1 that answers with scripted statuses,
garbage or silence (see ``openai_loopback``), or a port where nothing listens.
"""

from __future__ import annotations

import anyio
import pytest
from openai_loopback import (
    LoopbackServer,
    closed_port_url,
    raw_reply,
    silent_reply,
    sse_reply,
    status_reply,
    text_chunk,
)
from rtvi_openai import OpenAILLMService

from rtvi_core.services.llm_context import LLMContext
from rtvi_core.testing.contracts.llm import LLMContract, Replies

pytestmark = pytest.mark.anyio

PATH = "/chat/completions"


def user(text: str = "Hi") -> LLMContext:
    return LLMContext([{"role": "user", "content": text}])


async def turns(llm: OpenAILLMService, *contexts: LLMContext) -> Replies:
    """Run one inference per context in one pipeline run."""
    return await LLMContract().infer(llm, *contexts)


def hello() -> object:
    return sse_reply([text_chunk("Hi"), text_chunk(" there")])


def tool_call_chunk(arguments: str) -> dict:
    call = {"index": 0, "id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": arguments}}
    return {"choices": [{"index": 0, "delta": {"tool_calls": [call]}, "finish_reason": None}]}


BAD_REPLIES = {
    "401": (
        status_reply(401, {"error": {"message": "Incorrect API key provided: sk-xx", "code": "invalid_api_key"}}),
        "{url} rejected the API key (HTTP 401): Incorrect API key provided: sk-xx",
    ),
    "403": (status_reply(403, {"error": "forbidden"}), "{url} rejected the API key (HTTP 403): forbidden"),
    "429 with Retry-After": (
        status_reply(429, {"error": {"message": "Rate limit reached"}}, {"Retry-After": "20"}),
        "rate limited by {url} (HTTP 429; retry after 20 s): Rate limit reached",
    ),
    "429": (status_reply(429, "slow down"), "rate limited by {url} (HTTP 429): slow down"),
    "404": (
        status_reply(404, {"error": 'model "nope" not found, try pulling it first'}),
        '{url} answered HTTP 404 (check base_url and model): model "nope" not found, try pulling it first',
    ),
    "500": (
        status_reply(500, {"error": {"message": "CUDA out of memory"}}),
        "{url} answered HTTP 500: CUDA out of memory",
    ),
    "503 html": (status_reply(503, "<html><h1>503</h1></html>"), "{url} answered HTTP 503: <html><h1>503</h1></html>"),
    "html instead of SSE": (
        raw_reply(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n<html>hello</html>"),
        "malformed stream from {url}: expected server-sent events of JSON chunks, got text/html",
    ),
    "not JSON": (sse_reply(["{not json"]), "malformed stream from {url}: an event is not JSON: '{not json'"),
    "JSON but no object": (
        sse_reply(["[1, 2]"]),
        "malformed stream from {url}: an event is not a JSON object: '[1, 2]'",
    ),
    "not HTTP": (
        raw_reply(b"SSH-2.0-OpenSSH_9.6\r\n\r\n"),
        "malformed answer from {url}: illegal status line: bytearray(b'SSH-2.0-OpenSSH_9.6')",
    ),
    "closed without answer": (
        raw_reply(b""),
        "malformed answer from {url}: Server disconnected without sending a response.",
    ),
    "cut short": (
        sse_reply([text_chunk("Hel")], done=False),
        "malformed stream from {url}: it ended before the answer did (no [DONE])",
    ),
    "error event": (
        sse_reply([text_chunk("Hel"), {"error": {"message": "server overloaded"}}]),
        "{url} reported an error mid-stream: server overloaded",
    ),
    "bad delta": (
        sse_reply([{"choices": [{"index": 0, "delta": "oops"}]}]),
        "unusable answer from {url}: a delta is not a JSON object: 'oops'",
    ),
    "bad tool arguments": (
        sse_reply([tool_call_chunk('{"city": Par')]),
        "unusable answer from {url}: the argument object of tool call 'get_weather' is not JSON: '{\"city\": Par'",
    ),
}


@pytest.mark.parametrize("case", list(BAD_REPLIES))
async def test_bad_answer_is_a_clear_error_and_the_next_turn_works(loopback: LoopbackServer, case: str) -> None:
    reply, message = BAD_REPLIES[case]
    loopback.reply(reply, hello())
    replies = await turns(OpenAILLMService(base_url=loopback.url), user(), user())
    expected = message.replace("{url}", loopback.url + PATH)
    assert [(e.error, e.fatal) for e in replies.errors] == [(expected, False)]
    assert replies.framing()[-3:] == ["start", "text", "end"]
    assert replies.framing().count("end") == 2
    assert replies.texts[-1] == "Hi there"
    assert len(loopback.requests) == 2


async def test_connection_refused() -> None:
    url = closed_port_url()
    replies = await turns(OpenAILLMService(base_url=url), user(), user())
    message = f"cannot reach {url}{PATH}: connection refused"
    assert [(e.error, e.fatal) for e in replies.errors] == [(message, False)] * 2
    assert replies.framing() == ["start", "end", "start", "end"]


async def test_timeout_waiting_for_the_answer_closes_the_connection(loopback: LoopbackServer) -> None:
    gone = anyio.Event()
    loopback.reply(silent_reply(gone), hello())
    replies = await turns(OpenAILLMService(base_url=loopback.url, timeout_secs=0.3), user(), user())
    assert [e.error for e in replies.errors] == [f"{loopback.url}{PATH} did not answer within 0.3 s (timeout_secs)"]
    assert replies.texts[-1] == "Hi there"
    with anyio.fail_after(2):
        await gone.wait()


async def test_stalled_stream_times_out(loopback: LoopbackServer) -> None:
    loopback.reply(sse_reply([text_chunk("Hel"), text_chunk("lo")], delay=1.0), hello())
    replies = await turns(OpenAILLMService(base_url=loopback.url, timeout_secs=0.3), user(), user())
    assert [e.error for e in replies.errors] == [f"{loopback.url}{PATH} did not answer within 0.3 s (timeout_secs)"]
    assert replies.texts == ["", "Hi there"]


async def test_missing_api_key_for_a_remote_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RTVI_TEST_OPENAI_KEY", raising=False)
    llm = OpenAILLMService(base_url="https://api.example.invalid/v1", api_key_env="RTVI_TEST_OPENAI_KEY")
    replies = await turns(llm, user(), user())
    message = (
        "no API key for https://api.example.invalid/v1: set the environment variable "
        "RTVI_TEST_OPENAI_KEY (or the api_key / api_key_env parameters)"
    )
    assert [(e.error, e.fatal) for e in replies.errors] == [(message, False)] * 2
    assert replies.framing() == ["start", "end", "start", "end"]


async def test_context_that_is_not_json(loopback: LoopbackServer) -> None:
    loopback.reply(hello())
    odd = LLMContext([{"role": "user", "content": object()}])
    replies = await turns(OpenAILLMService(base_url=loopback.url), odd, user())
    (error,) = replies.errors
    assert error.error.startswith(f"cannot encode the request to {loopback.url}{PATH}: Object of type object")
    assert replies.texts[-1] == "Hi there" and len(loopback.requests) == 1
