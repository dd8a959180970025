"""Every provider failure is a clear, non-fatal error and the next turn is answered.

The server is the fake Anthropic API on 127.0.0.1 with a fault queued for the first
request (see ``anthropic_fake``). The failures of the connection itself (nothing
listening, timeouts, a stalled, dropped or garbled stream, interruption, the RTVI
client's view) are the core's ``HTTPLLMContract``, run here against the fake.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import anyio
import pytest
from anthropic_fake import FakeAnthropic, error_event, fake_anthropic, malformed, pings, status
from rtvi_anthropic import AnthropicLLMService

from rtvi_core.services.llm_context import LLMContext
from rtvi_core.testing.contracts.http_llm import HTTPLLMContract
from rtvi_core.testing.contracts.llm import LLMContract, Replies
from rtvi_core.testing.http_fake import after, raw

pytestmark = pytest.mark.anyio

HELLO = "Hello! How can I help you today?"
KEY_HINT = "set a valid key in the environment variable ANTHROPIC_API_KEY (or [llm] api_key)"


class TestAnthropicTransport(HTTPLLMContract):
    provider = "Anthropic"
    drop_after = 6  # message_start, ping, the text block's start, three words

    @pytest.fixture
    async def fake(self) -> AsyncIterator[FakeAnthropic]:
        async with fake_anthropic(token_delay=0.02) as server:
            yield server

    @pytest.fixture
    def make_llm(self) -> Callable[..., AnthropicLLMService]:
        return lambda url, **options: AnthropicLLMService(base_url=url, **options)


def user(text: str = "Hi") -> LLMContext:
    return LLMContext([{"role": "user", "content": text}])


async def turns(llm: AnthropicLLMService, *contexts: LLMContext) -> Replies:
    """Run one inference per context in one pipeline run."""
    return await LLMContract().infer(llm, *contexts)


FAULTS = {
    "401": (
        status(401, "authentication_error", "invalid x-api-key"),
        f"Anthropic rejected the API key (HTTP 401 authentication_error): invalid x-api-key; {KEY_HINT}",
    ),
    "403": (
        status(403, "permission_error", "Your API key does not have permission to use the specified resource."),
        "Anthropic refused the request (HTTP 403 permission_error): Your API key does not have permission "
        "to use the specified resource.; this key may not use this model or feature",
    ),
    "404 model": (
        status(404, "not_found_error", "model: claude-nope"),
        "Anthropic found no such model or path (HTTP 404 not_found_error): model: claude-nope; check model and base_url",
    ),
    "429 with retry-after": (
        status(
            429,
            "rate_limit_error",
            "Number of request tokens has exceeded your per-minute rate limit",
            {"retry-after": "17"},
        ),
        "Anthropic rate limit reached (HTTP 429 rate_limit_error; retry after 17 s): Number of request tokens "
        "has exceeded your per-minute rate limit; wait, or raise the account's rate limits",
    ),
    "500": (
        status(500, "api_error", "Internal server error"),
        "Anthropic had an internal error (HTTP 500 api_error): Internal server error; try again in a moment",
    ),
    "529 overloaded": (
        status(529, "overloaded_error", "Overloaded"),
        "Anthropic is overloaded (HTTP 529 overloaded_error): Overloaded; try again in a moment",
    ),
    "502 from a proxy": (
        raw(
            b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nContent-Length: 21\r\nConnection: close\r\n\r\n"
            b"<html>upstream</html>"
        ),
        "Anthropic had an internal error (HTTP 502 api_error): <html>upstream</html>; try again in a moment",
    ),
    "overloaded mid-stream": (
        error_event(5, "overloaded_error", "Overloaded"),
        "Anthropic is overloaded (overloaded_error mid-stream): Overloaded; try again in a moment",
    ),
    "not JSON": (
        malformed(4, "{not json"),
        "Anthropic sent a malformed stream from {url}: an event is not JSON: '{not json'",
    ),
    "JSON but no object": (
        malformed(4, "[1, 2]"),
        "Anthropic sent a malformed stream from {url}: an event is not a JSON object: '[1, 2]'",
    ),
    "delta for no block": (
        malformed(
            2, '{"type": "content_block_delta", "index": 7, "delta": {"type": "input_json_delta", "partial_json": "{"}}'
        ),
        "Anthropic sent an unusable answer: input_json_delta for block 7, which is no tool_use",
    ),
}


@pytest.mark.parametrize("case", list(FAULTS))
async def test_provider_failure_is_a_clear_error_and_the_next_turn_works(fake: FakeAnthropic, case: str) -> None:
    fault, message = FAULTS[case]
    fake.fail(fault)
    replies = await turns(AnthropicLLMService(base_url=fake.url), user(), user())
    expected = message.replace("{url}", f"{fake.url}/v1/messages")
    assert [(e.error, e.fatal) for e in replies.errors] == [(expected, False)]
    assert replies.framing()[-3:] == ["start", "text", "end"]
    assert replies.framing().count("end") == 2
    assert replies.texts[-1] == HELLO
    assert len(fake.requests) == 2


async def test_connection_dropped_mid_stream(fake: FakeAnthropic) -> None:
    fake.fail(after(6))  # message_start, ping, block start, three words: then the socket closes
    replies = await turns(AnthropicLLMService(base_url=fake.url), user(), user())
    message = (
        f"Anthropic's stream from {fake.url}/v1/messages ended before message_stop (the connection "
        "dropped); the reply is cut short, try again"
    )
    assert [(e.error, e.fatal) for e in replies.errors] == [(message, False)]
    assert replies.texts == ["Hello! How can ", HELLO]


async def test_pings_without_progress_time_out(fake: FakeAnthropic) -> None:
    fake.fail(pings(4, every=0.05))
    replies = await turns(AnthropicLLMService(base_url=fake.url, timeout_secs=0.3), user(), user())
    assert [e.error for e in replies.errors] == [
        f"Anthropic: {fake.url}/v1/messages sent nothing but pings for 0.3 s (timeout_secs)"
    ]
    assert replies.texts == ["Hello! ", HELLO]
    with anyio.fail_after(2):
        await fake.replies[0].gone.wait()


async def test_wrong_key_against_a_server_that_checks_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-wrong")
    async with fake_anthropic(token_delay=0, api_key="sk-ant-right") as server:
        replies = await turns(AnthropicLLMService(base_url=server.url), user())
        assert server.requests[0].headers["x-api-key"] == "sk-ant-wrong"
    assert [e.error for e in replies.errors] == [
        f"Anthropic rejected the API key (HTTP 401 authentication_error): invalid x-api-key; {KEY_HINT}"
    ]


async def test_missing_api_key_for_the_public_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    replies = await turns(AnthropicLLMService(), user(), user())
    message = (
        "Anthropic: no API key for https://api.anthropic.com: set the environment variable "
        "ANTHROPIC_API_KEY (or [llm] api_key)"
    )
    assert [(e.error, e.fatal) for e in replies.errors] == [(message, False)] * 2
    assert replies.framing() == ["start", "end", "start", "end"]


async def test_a_request_the_api_refuses(fake: FakeAnthropic) -> None:
    replies = await turns(AnthropicLLMService(base_url=fake.url, model=""), user())
    assert fake.requests and replies.texts == [""]
    assert [e.error for e in replies.errors] == [
        "Anthropic refused the request (HTTP 400 invalid_request_error): model: String should have at least "
        "1 character; check the bot file's llm settings"
    ]


async def test_a_context_that_cannot_be_sent(fake: FakeAnthropic) -> None:
    audio = LLMContext([{"role": "user", "content": [{"type": "input_audio", "input_audio": {"data": "AA=="}}]}])
    odd = LLMContext([{"role": "user", "content": object()}])
    replies = await turns(AnthropicLLMService(base_url=fake.url), audio, odd, LLMContext(), user())
    assert [e.error for e in replies.errors] == [
        "Anthropic: cannot send this context: a content part of type 'input_audio' cannot be sent to Anthropic",
        "Anthropic: cannot send this context: a user message's content is neither text nor a list",
        "Anthropic: cannot send this context: the context has no message to answer",
    ]
    assert replies.texts == ["", "", "", HELLO] and len(fake.requests) == 1
