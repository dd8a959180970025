"""What the service sends and how it reads the stream, against the loopback server;
the RTVI client's view of an error; actions as tools; interruption."""

from __future__ import annotations

import json
import time

import anyio
import pytest
from openai_loopback import LoopbackServer, sse_reply, status_reply, text_chunk
from pydantic import BaseModel, Field
from rtvi_openai import OpenAILLMService

from rtvi_core.actions import ActionContext, ActionDispatcher, action
from rtvi_core.frames import (
    FunctionCallInProgressFrame,
    InterruptionFrame,
    LLMContextFrame,
    LLMTextFrame,
    MetricsFrame,
)
from rtvi_core.metrics import LLMUsageMetricsData
from rtvi_core.services.llm_context import LLMContext
from rtvi_core.testing import run_bot, running
from rtvi_core.testing.contracts.llm import LLMContract, Replies

pytestmark = pytest.mark.anyio

WEATHER = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}


def user(text: str = "Hi") -> LLMContext:
    return LLMContext([{"role": "user", "content": text}])


def tool_call_delta(index: int, **fields: object) -> dict:
    return {"choices": [{"index": 0, "delta": {"tool_calls": [{"index": index, **fields}]}, "finish_reason": None}]}


async def test_request_body_and_headers(loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RTVI_TEST_OPENAI_KEY", "sk-test-123")
    loopback.reply(sse_reply([text_chunk("ok")]))
    llm = OpenAILLMService(
        base_url=loopback.url + "/",
        model="llama3.2:1b",
        api_key_env="RTVI_TEST_OPENAI_KEY",
        temperature=0.2,
        max_tokens=50,
        extra_headers={"X-Trace": "abc"},
        extra_body={"seed": 7, "stream_options": {"include_usage": False}},
    )
    context = LLMContext(
        [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}], tools=[WEATHER]
    )
    await LLMContract().infer(llm, context)
    (request,) = loopback.requests
    assert (request.method, request.path) == ("POST", "/v1/chat/completions")
    assert request.headers["authorization"] == "Bearer sk-test-123"
    assert request.headers["x-trace"] == "abc"
    assert request.headers["accept"] == "text/event-stream"
    assert request.json() == {
        "model": "llama3.2:1b",
        "messages": context.messages,
        "stream": True,
        "stream_options": {"include_usage": False},
        "tools": [WEATHER],
        "temperature": 0.2,
        "max_tokens": 50,
        "seed": 7,
    }


async def test_no_key_for_a_loopback_server_and_explicit_key_wins(
    loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    loopback.reply(sse_reply([text_chunk("a")]), sse_reply([text_chunk("b")]))
    await LLMContract().infer(OpenAILLMService(base_url=loopback.url), user())
    await LLMContract().infer(OpenAILLMService(base_url=loopback.url, api_key="sk-direct"), user())
    first, second = loopback.requests
    assert "authorization" not in first.headers
    assert "tools" not in first.json() and "temperature" not in first.json()
    assert second.headers["authorization"] == "Bearer sk-direct"


async def test_streamed_text_and_usage(loopback: LoopbackServer) -> None:
    usage = {
        "prompt_tokens": 9,
        "completion_tokens": 3,
        "total_tokens": 12,
        "prompt_tokens_details": {"cached_tokens": 4},
    }
    loopback.reply(
        sse_reply(
            [
                {"choices": [{"index": 0, "delta": {"role": "assistant", "content": None}}]},
                text_chunk("Hello"),
                text_chunk(""),
                text_chunk(" wor"),
                text_chunk("ld!"),
                {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
                {"choices": [], "usage": usage},
            ]
        )
    )
    replies = await LLMContract().infer(OpenAILLMService(base_url=loopback.url), user(), usage=True)
    assert replies.recorder.texts(LLMTextFrame) == ["Hello", " wor", "ld!"]
    data = [d for f in replies.recorder.of(MetricsFrame) for d in f.data]
    usages = [d.value for d in data if isinstance(d, LLMUsageMetricsData)]
    counts = [(u.prompt_tokens, u.completion_tokens, u.total_tokens, u.cache_read_input_tokens) for u in usages]
    assert counts == [(9, 3, 12, 4)]


async def test_finished_stream_without_done_is_accepted(loopback: LoopbackServer) -> None:
    loopback.reply(
        sse_reply([text_chunk("Bye"), {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}], done=False)
    )
    replies = await LLMContract().infer(OpenAILLMService(base_url=loopback.url), user())
    assert replies.texts == ["Bye"] and not replies.errors


async def test_tool_call_deltas_become_calls(loopback: LoopbackServer) -> None:
    loopback.reply(
        sse_reply(
            [
                text_chunk("Let me check."),
                tool_call_delta(0, id="call_1", type="function", function={"name": "get_weather", "arguments": ""}),
                tool_call_delta(0, function={"arguments": '{"city": '}),
                tool_call_delta(
                    1, id="call_2", type="function", function={"name": "get_weather", "arguments": '{"city": "Oslo"}'}
                ),
                tool_call_delta(0, function={"arguments": '"Paris"}'}),
                {"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]},
            ]
        )
    )
    llm = OpenAILLMService(base_url=loopback.url)
    llm.register_client_function("get_weather")
    replies = await LLMContract().infer(llm, LLMContext([{"role": "user", "content": "weather?"}], tools=[WEATHER]))
    calls = replies.recorder.of(FunctionCallInProgressFrame)
    assert [(c.tool_call_id, c.function_name, c.arguments) for c in calls] == [
        ("call_1", "get_weather", {"city": "Paris"}),
        ("call_2", "get_weather", {"city": "Oslo"}),
    ]
    assert replies.texts == ["Let me check."] and not replies.errors


async def test_interruption_closes_the_http_stream(loopback: LoopbackServer) -> None:
    gone = anyio.Event()
    loopback.reply(sse_reply([text_chunk(f" word{n}") for n in range(400)], delay=0.02, gone=gone))
    llm = OpenAILLMService(base_url=loopback.url)
    task, recorder, errors = LLMContract().task_for(llm)
    async with running(task):
        await task.queue_frame(LLMContextFrame(context=user("Tell me a long story")))
        await recorder.wait_for(lambda: recorder.of(LLMTextFrame), 5)
        interrupted = time.perf_counter()
        await task.queue_frame(InterruptionFrame())
        with anyio.fail_after(5):
            await gone.wait()  # the server's next write fails: the client hung up
        closed_after = time.perf_counter() - interrupted
    replies = Replies(recorder, errors)
    assert not replies.errors
    assert replies.framing() == ["start", "text", "end"]
    assert len(recorder.of(LLMTextFrame)) < 400
    print(f"\nHTTP stream closed {closed_after * 1000:.0f} ms after the interruption (server-side detection)")


async def test_rtvi_client_gets_the_error_and_the_next_turn_is_answered(loopback: LoopbackServer) -> None:
    loopback.reply(
        status_reply(429, {"error": {"message": "Rate limit reached"}}, {"Retry-After": "3"}),
        sse_reply([text_chunk("Back"), text_chunk(" again.")]),
    )
    async with run_bot(llm=OpenAILLMService(base_url=loopback.url), with_tts=False) as bot:
        await bot.ready()
        await bot.request("send-text", {"content": "Hello?"})
        error = await bot.client.wait_for_message("error")
        await bot.client.wait_for_message("bot-llm-stopped")
        await bot.request("send-text", {"content": "Hello again?"})
        await bot.client.wait_for(lambda: len(bot.client.messages_of("bot-llm-stopped")) >= 2 or None)
        assert not bot.client.closed and not bot.task.has_finished()
    url = f"{loopback.url}/chat/completions"
    message = f"rate limited by {url} (HTTP 429; retry after 3 s): Rate limit reached"
    assert error["data"] == {"error": message, "fatal": False}
    assert "".join(m["data"]["text"] for m in bot.client.messages_of("bot-llm-text")) == "Back again."
    # The second request carries the whole conversation: both user turns.
    users = [m["content"] for m in loopback.requests[1].json()["messages"] if m["role"] == "user"]
    assert users == ["Hello?", "Hello again?"]


class WeatherArgs(BaseModel):
    city: str = Field(description="the city")


@action("get_weather", args=WeatherArgs, llm_tool=True)
async def get_weather(ctx: ActionContext, args: WeatherArgs) -> dict:
    """The current weather in a city."""
    return {"city": args.city, "sky": "sunny", "temperature_c": 21}


async def test_actions_are_tools_and_their_results_go_back_to_the_model(loopback: LoopbackServer) -> None:
    loopback.reply(
        sse_reply(
            [
                tool_call_delta(
                    0,
                    id="call_9",
                    type="function",
                    function={"name": "get_weather", "arguments": '{"city": "Paris"}'},
                )
            ]
        ),
        sse_reply([text_chunk("It is sunny in Paris.")]),
    )
    async with run_bot(llm=OpenAILLMService(base_url=loopback.url), with_tts=False) as bot:
        ActionDispatcher([get_weather], llm=bot.llm, context=bot.context).attach(bot.task)
        await bot.ready()
        await bot.request("send-text", {"content": "What is the weather in Paris?"})
        await bot.client.wait_for_message("bot-llm-text", predicate=lambda m: "sunny" in m["data"]["text"])
    first, second = (r.json() for r in loopback.requests)
    (tool,) = first["tools"]
    assert tool["function"]["name"] == "get_weather"
    assert tool["function"]["parameters"]["properties"]["city"]["type"] == "string"
    call_message, result_message = second["messages"][-2:]
    assert call_message["tool_calls"][0]["id"] == "call_9"
    assert json.loads(call_message["tool_calls"][0]["function"]["arguments"]) == {"city": "Paris"}
    assert result_message == {
        "role": "tool",
        "tool_call_id": "call_9",
        "content": json.dumps({"city": "Paris", "sky": "sunny", "temperature_c": 21}),
    }
