"""What the service sends (context with history, tools, tool results, images, caching)
and how it reads the stream, against the fake Anthropic API; actions as tools."""

from __future__ import annotations

import json

import pytest
from anthropic_fake import FakeAnthropic
from pydantic import BaseModel, Field
from rtvi_anthropic import AnthropicLLMService

from rtvi_core.actions import ActionContext, ActionDispatcher, action
from rtvi_core.frames import FunctionCallInProgressFrame, LLMTextFrame, MetricsFrame
from rtvi_core.metrics import LLMUsageMetricsData
from rtvi_core.services.llm_context import LLMContext
from rtvi_core.services.llm_turns import OPENING_USER_TURN
from rtvi_core.testing import run_bot
from rtvi_core.testing.contracts.llm import WEATHER_TOOL, LLMContract, Replies

pytestmark = pytest.mark.anyio

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


def user(text: str = "Hi") -> LLMContext:
    return LLMContext([{"role": "user", "content": text}])


def usage_of(replies: Replies) -> list[tuple[int, int, int, int | None, int | None]]:
    data = [d for f in replies.recorder.of(MetricsFrame) for d in f.data]
    usages = [d.value for d in data if isinstance(d, LLMUsageMetricsData)]
    return [
        (u.prompt_tokens, u.completion_tokens, u.total_tokens, u.cache_creation_input_tokens, u.cache_read_input_tokens)
        for u in usages
    ]


async def test_request_body_and_headers(fake: FakeAnthropic, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RTVI_TEST_ANTHROPIC_KEY", "sk-ant-test")
    llm = AnthropicLLMService(
        base_url=fake.url + "/",
        model="claude-sonnet-4-5",
        api_key_env="RTVI_TEST_ANTHROPIC_KEY",
        temperature=0.2,
        max_tokens=300,
        extra_headers={"anthropic-beta": "fine-grained-tool-streaming-2025-05-14"},
        extra_body={"top_k": 5},
    )
    context = LLMContext(
        [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}], tools=[WEATHER_TOOL]
    )
    replies = await LLMContract().infer(llm, context)
    assert not replies.errors
    (request,) = fake.requests
    assert (request.method, request.path) == ("POST", "/v1/messages")
    assert request.headers["x-api-key"] == "sk-ant-test"
    assert request.headers["anthropic-version"] == "2023-06-01"
    assert request.headers["anthropic-beta"] == "fine-grained-tool-streaming-2025-05-14"
    assert request.headers["accept"] == "text/event-stream"
    function = WEATHER_TOOL["function"]
    assert request.json() == {
        "model": "claude-sonnet-4-5",
        "max_tokens": 300,
        "messages": [{"role": "user", "content": [{"type": "text", "text": "Hi"}]}],
        "stream": True,
        "system": "Be brief.",
        "tools": [
            {"name": "get_weather", "input_schema": function["parameters"], "description": function["description"]}
        ],
        "temperature": 0.2,
        "top_k": 5,
    }


async def test_history_tool_calls_and_results(fake: FakeAnthropic) -> None:
    context = LLMContext(
        [
            {"role": "system", "content": "You are terse."},
            {"role": "system", "content": "Use tools."},
            {"role": "user", "content": "Weather in Paris and Oslo?"},
            {"role": "user", "content": "   "},
            {
                "role": "assistant",
                "content": "Checking.",
                "tool_calls": [
                    {
                        "id": "toolu_1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                    },
                    {"id": "toolu_2", "type": "function", "function": {"name": "get_weather", "arguments": ""}},
                ],
            },
            {"role": "tool", "tool_call_id": "toolu_1", "content": '{"sky": "sunny"}'},
            {"role": "tool", "tool_call_id": "toolu_2", "content": "IN_PROGRESS"},
            {"role": "system", "content": "The user went quiet."},
            {"role": "assistant", "content": ""},
            {"role": "assistant", "content": "Paris is sunny."},
            {"role": "user", "content": [{"type": "text", "text": "Thanks!"}, {"type": "text", "text": ""}]},
        ]
    )
    replies = await LLMContract().infer(AnthropicLLMService(base_url=fake.url), context)
    assert not replies.errors
    body = fake.bodies()[0]
    assert body["system"] == "You are terse.\n\nUse tools."
    assert body["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "Weather in Paris and Oslo?"}]},
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Checking."},
                {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}},
                {"type": "tool_use", "id": "toolu_2", "name": "get_weather", "input": {}},
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "toolu_1", "content": '{"sky": "sunny"}'},
                {"type": "tool_result", "tool_use_id": "toolu_2", "content": "IN_PROGRESS"},
                {"type": "text", "text": "The user went quiet."},
            ],
        },
        {"role": "assistant", "content": [{"type": "text", "text": "Paris is sunny."}]},
        {"role": "user", "content": [{"type": "text", "text": "Thanks!"}]},
    ]


async def test_images(fake: FakeAnthropic) -> None:
    context = LLMContext(
        [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is in these?"},
                    {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
                    {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg", "detail": "low"}},
                ],
            }
        ]
    )
    replies = await LLMContract().infer(AnthropicLLMService(base_url=fake.url), context)
    assert not replies.errors
    assert fake.bodies()[0]["messages"][0]["content"][1:] == [
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}},
        {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.jpg"}},
    ]


async def test_a_context_with_only_a_system_prompt_is_answered(fake: FakeAnthropic) -> None:
    """A bot that speaks first runs its LLM on the system prompt alone."""
    context = LLMContext([{"role": "system", "content": "Greet the caller."}])
    replies = await LLMContract().infer(AnthropicLLMService(base_url=fake.url), context)
    assert not replies.errors and replies.texts == ["Hello! How can I help you today?"]
    body = fake.bodies()[0]
    assert "system" not in body
    assert body["messages"] == [{"role": "user", "content": [{"type": "text", "text": "Greet the caller."}]}]


async def test_a_conversation_the_bot_opened_starts_with_a_user_turn(fake: FakeAnthropic) -> None:
    """A bot that speaks first: its greeting is the first turn, which the API refuses."""
    context = LLMContext(
        [
            {"role": "system", "content": "Greet the caller."},
            {"role": "assistant", "content": "Hello, this is the front desk."},
            {"role": "user", "content": "Hi, a room for tonight?"},
        ]
    )
    replies = await LLMContract().infer(AnthropicLLMService(base_url=fake.url), context)
    assert not replies.errors
    assert fake.bodies()[0]["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": OPENING_USER_TURN}]},
        {"role": "assistant", "content": [{"type": "text", "text": "Hello, this is the front desk."}]},
        {"role": "user", "content": [{"type": "text", "text": "Hi, a room for tonight?"}]},
    ]


async def test_prompt_caching_marks_system_and_tools_and_usage_reports_the_cache(fake: FakeAnthropic) -> None:
    llm = AnthropicLLMService(base_url=fake.url, prompt_caching=True)
    second_tool = {
        "type": "function",
        "function": {"name": "get_time", "parameters": {"type": "object", "properties": {}}},
    }
    messages = [{"role": "system", "content": "You are a concierge. " * 40}, {"role": "user", "content": "Hi"}]
    context = LLMContext(messages, tools=[WEATHER_TOOL, second_tool])
    replies = await LLMContract().infer(
        llm, context, LLMContext(messages, tools=[WEATHER_TOOL, second_tool]), usage=True
    )
    assert not replies.errors
    body = fake.bodies()[0]
    assert body["system"] == [
        {"type": "text", "text": messages[0]["content"].strip(), "cache_control": {"type": "ephemeral"}}
    ]
    assert "cache_control" not in body["tools"][0]
    assert body["tools"][1]["cache_control"] == {"type": "ephemeral"}
    (first, second) = usage_of(replies)
    assert first[3] > 0 and first[4] == 0  # written to the cache
    assert second[3] == 0 and second[4] == first[3]  # read from it
    for prompt, completion, total, created, read in (first, second):
        assert prompt > created + read and total == prompt + completion


async def test_streamed_text_tool_call_and_usage(fake: FakeAnthropic) -> None:
    llm = AnthropicLLMService(base_url=fake.url)
    llm.register_client_function("get_weather")
    context = LLMContext([{"role": "user", "content": "What is the weather in Oslo?"}], tools=[WEATHER_TOOL])
    replies = await LLMContract().infer(llm, context, usage=True)
    assert not replies.errors
    assert replies.recorder.texts(LLMTextFrame) == ["Let ", "me ", "check ", "the ", "weather."]
    (call,) = replies.recorder.of(FunctionCallInProgressFrame)
    assert call.function_name == "get_weather" and call.arguments == {"city": "Oslo"}
    assert call.tool_call_id.startswith("toolu_")
    ((prompt, completion, total, created, read),) = usage_of(replies)
    assert prompt > 0 and completion > 5 and total == prompt + completion and (created, read) == (0, 0)


class WeatherArgs(BaseModel):
    city: str = Field(description="the city")


@action("get_weather", args=WeatherArgs, llm_tool=True)
async def get_weather(ctx: ActionContext, args: WeatherArgs) -> dict:
    """The current weather in a city."""
    return {"city": args.city, "sky": "sunny", "temperature_c": 21}


async def test_actions_are_tools_and_their_results_go_back_to_the_model(fake: FakeAnthropic) -> None:
    async with run_bot(llm=AnthropicLLMService(base_url=fake.url), with_tts=False) as bot:
        ActionDispatcher([get_weather], llm=bot.llm, context=bot.context).attach(bot.task)
        await bot.ready()
        await bot.request("send-text", {"content": "What is the weather in Paris?"})
        await bot.client.wait_for_message("bot-llm-text", predicate=lambda m: "sunny" in m["data"]["text"])
    first, second = fake.bodies()
    (tool,) = first["tools"]
    assert tool["name"] == "get_weather" and tool["input_schema"]["properties"]["city"]["type"] == "string"
    assert tool["description"] == "The current weather in a city."
    call_turn, result_turn = second["messages"][-2:]
    tool_use = call_turn["content"][-1]
    assert tool_use["type"] == "tool_use" and tool_use["input"] == {"city": "Paris"}
    assert result_turn == {
        "role": "user",
        "content": [
            {
                "type": "tool_result",
                "tool_use_id": tool_use["id"],
                "content": json.dumps({"city": "Paris", "sky": "sunny", "temperature_c": 21}),
            }
        ],
    }
