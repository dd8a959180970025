"""What the service sends (context with history, tools, tool results, images) and how it
reads the stream, against the fake Gemini API; actions as tools with thought signatures."""

from __future__ import annotations

import pytest
from gemini_fake import FakeGemini, fake_gemini
from pydantic import BaseModel, Field
from rtvi_gemini import GeminiLLMService

from rtvi_core.actions import ActionContext, ActionDispatcher, action
from rtvi_core.frames import FunctionCallInProgressFrame, LLMTextFrame, MetricsFrame
from rtvi_core.metrics import LLMUsageMetricsData
from rtvi_core.services.llm_context import LLMContext
from rtvi_core.services.llm_turns import OPENING_USER_TURN
from rtvi_core.testing import run_bot
from rtvi_core.testing.contracts.llm import WEATHER_TOOL, LLMContract, Replies
from rtvi_core.testing.scripted_model import GREETING

pytestmark = pytest.mark.anyio

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


def user(text: str = "Hi") -> LLMContext:
    return LLMContext([{"role": "user", "content": text}])


def usage_of(replies: Replies) -> list[tuple[int, int, int, int | None]]:
    data = [d for f in replies.recorder.of(MetricsFrame) for d in f.data]
    usages = [d.value for d in data if isinstance(d, LLMUsageMetricsData)]
    return [(u.prompt_tokens, u.completion_tokens, u.total_tokens, u.reasoning_tokens) for u in usages]


async def test_request_url_headers_and_body(fake: FakeGemini, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "AIza-test")
    llm = GeminiLLMService(
        base_url=fake.url + "/",
        api_version="v1beta",
        model="models/gemini-2.5-flash-lite",
        temperature=0.2,
        max_tokens=300,
        thinking_budget=0,
        extra_headers={"x-goog-user-project": "demo"},
        extra_body={
            "generationConfig": {"topP": 0.9},
            "safetySettings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_ONLY_HIGH"}],
        },
    )
    context = LLMContext(
        [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}], tools=[WEATHER_TOOL]
    )
    replies = await LLMContract().infer(llm, context)
    assert not replies.errors
    (request,) = fake.requests
    assert (request.method, request.path, request.query) == (
        "POST",
        "/v1beta/models/gemini-2.5-flash-lite:streamGenerateContent",
        {"alt": "sse"},
    )
    assert request.headers["x-goog-api-key"] == "AIza-test" and "key" not in request.query
    assert request.headers["x-goog-user-project"] == "demo"
    function = WEATHER_TOOL["function"]
    assert request.json() == {
        "contents": [{"role": "user", "parts": [{"text": "Hi"}]}],
        "systemInstruction": {"parts": [{"text": "Be brief."}]},
        "tools": [
            {
                "functionDeclarations": [
                    {
                        "name": "get_weather",
                        "description": function["description"],
                        "parametersJsonSchema": function["parameters"],
                    }
                ]
            }
        ],
        "generationConfig": {
            "temperature": 0.2,
            "maxOutputTokens": 300,
            "thinkingConfig": {"thinkingBudget": 0},
            "topP": 0.9,
        },
        "safetySettings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_ONLY_HIGH"}],
    }


async def test_the_first_key_variable_that_is_set_wins(fake: FakeGemini, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "from-gemini")
    monkeypatch.setenv("GOOGLE_API_KEY", "from-google")
    monkeypatch.setenv("MY_KEY", "mine")
    await LLMContract().infer(GeminiLLMService(base_url=fake.url), user())
    await LLMContract().infer(GeminiLLMService(base_url=fake.url, api_key_env="MY_KEY"), user())
    await LLMContract().infer(GeminiLLMService(base_url=fake.url, api_key="direct"), user())
    await LLMContract().infer(GeminiLLMService(base_url=fake.url, api_key_env=[]), user())
    keys = [request.headers.get("x-goog-api-key") for request in fake.requests]
    assert keys == ["from-gemini", "mine", "direct", None]


async def test_history_function_calls_and_responses(fake: FakeGemini) -> None:
    context = LLMContext(
        [
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": "Weather in Paris and Oslo?"},
            {"role": "user", "content": ""},
            {
                "role": "assistant",
                "content": "Checking.",
                "tool_calls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                    },
                    {
                        "id": "c2",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'},
                    },
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "content": '{"sky": "sunny"}'},
            {"role": "tool", "tool_call_id": "c2", "content": '"rain"'},
            {"role": "assistant", "content": "Paris is sunny, Oslo rainy."},
            {"role": "system", "content": "The user went quiet."},
            {"role": "user", "content": [{"type": "text", "text": "Thanks!"}, {"type": "text", "text": " "}]},
        ]
    )
    replies = await LLMContract().infer(GeminiLLMService(base_url=fake.url), context)
    assert not replies.errors
    body = fake.bodies()[0]
    assert body["systemInstruction"] == {"parts": [{"text": "You are terse."}]}
    assert body["contents"] == [
        {"role": "user", "parts": [{"text": "Weather in Paris and Oslo?"}]},
        {
            "role": "model",
            "parts": [
                {"text": "Checking."},
                {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}},
                {"functionCall": {"name": "get_weather", "args": {"city": "Oslo"}}},
            ],
        },
        {
            "role": "user",
            "parts": [
                {"functionResponse": {"name": "get_weather", "response": {"sky": "sunny"}}},
                {"functionResponse": {"name": "get_weather", "response": {"result": "rain"}}},
            ],
        },
        {"role": "model", "parts": [{"text": "Paris is sunny, Oslo rainy."}]},
        {"role": "user", "parts": [{"text": "The user went quiet."}, {"text": "Thanks!"}]},
    ]


async def test_images(fake: FakeGemini) -> None:
    context = LLMContext(
        [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is in these?"},
                    {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
                    {"type": "image_url", "image_url": {"url": "https://example.com/cat.webp?size=2"}},
                ],
            }
        ]
    )
    replies = await LLMContract().infer(GeminiLLMService(base_url=fake.url), context)
    assert not replies.errors
    assert fake.bodies()[0]["contents"][0]["parts"][1:] == [
        {"inlineData": {"mimeType": "image/png", "data": PNG}},
        {"fileData": {"mimeType": "image/webp", "fileUri": "https://example.com/cat.webp?size=2"}},
    ]


async def test_a_context_with_only_a_system_prompt_is_answered(fake: FakeGemini) -> None:
    """A bot that speaks first runs its LLM on the system prompt alone."""
    context = LLMContext([{"role": "system", "content": "Greet the caller."}])
    replies = await LLMContract().infer(GeminiLLMService(base_url=fake.url), context)
    assert not replies.errors and replies.texts == [GREETING]
    body = fake.bodies()[0]
    assert "systemInstruction" not in body
    assert body["contents"] == [{"role": "user", "parts": [{"text": "Greet the caller."}]}]


async def test_a_conversation_the_bot_opened_starts_with_a_user_turn(fake: FakeGemini) -> None:
    context = LLMContext(
        [
            {"role": "system", "content": "Greet the caller."},
            {"role": "assistant", "content": "Hello, this is the front desk."},
            {"role": "user", "content": "Hi, a room for tonight?"},
        ]
    )
    replies = await LLMContract().infer(GeminiLLMService(base_url=fake.url), context)
    assert not replies.errors
    assert fake.bodies()[0]["contents"] == [
        {"role": "user", "parts": [{"text": OPENING_USER_TURN}]},
        {"role": "model", "parts": [{"text": "Hello, this is the front desk."}]},
        {"role": "user", "parts": [{"text": "Hi, a room for tonight?"}]},
    ]


async def test_streamed_text_function_call_and_usage(fake: FakeGemini) -> None:
    llm = GeminiLLMService(base_url=fake.url)
    llm.register_client_function("get_weather")
    context = LLMContext([{"role": "user", "content": "What is the weather in Oslo?"}], tools=[WEATHER_TOOL])
    replies = await LLMContract().infer(llm, context, usage=True)
    assert not replies.errors
    assert replies.recorder.texts(LLMTextFrame) == ["Let ", "me ", "check ", "the ", "weather."]
    (call,) = replies.recorder.of(FunctionCallInProgressFrame)
    assert call.function_name == "get_weather" and call.arguments == {"city": "Oslo"}
    ((prompt, completion, total, thoughts),) = usage_of(replies)
    # Six parts streamed (five words, the call) and the model's twelve thinking tokens.
    assert prompt > 0 and (completion, thoughts) == (6 + 12, 12) and total == prompt + completion


async def test_no_thinking_with_a_zero_budget(fake: FakeGemini) -> None:
    replies = await LLMContract().infer(GeminiLLMService(base_url=fake.url, thinking_budget=0), user(), usage=True)
    ((prompt, completion, total, thoughts),) = usage_of(replies)
    assert thoughts is None and completion == 7 and total == prompt + completion  # the greeting's seven words


class WeatherArgs(BaseModel):
    city: str = Field(description="the city")


@action("get_weather", args=WeatherArgs, llm_tool=True)
async def get_weather(ctx: ActionContext, args: WeatherArgs) -> dict:
    """The current weather in a city."""
    return {"city": args.city, "sky": "sunny", "temperature_c": 21}


async def test_actions_are_tools_and_calls_go_back_with_their_thought_signature() -> None:
    async with fake_gemini(token_delay=0, require_signatures=True) as fake:
        async with run_bot(llm=GeminiLLMService(base_url=fake.url), with_tts=False) as bot:
            ActionDispatcher([get_weather], llm=bot.llm, context=bot.context).attach(bot.task)
            await bot.ready()
            await bot.request("send-text", {"content": "What is the weather in Paris?"})
            await bot.client.wait_for_message("bot-llm-text", predicate=lambda m: "sunny" in m["data"]["text"])
        assert not bot.client.messages_of("error")
        first, second = fake.bodies()
    ((declaration,),) = [tool["functionDeclarations"] for tool in first["tools"]]
    assert declaration["name"] == "get_weather" and declaration["description"] == "The current weather in a city."
    assert declaration["parametersJsonSchema"]["properties"]["city"]["type"] == "string"
    call_turn, result_turn = second["contents"][-2:]
    call_part = call_turn["parts"][-1]
    assert call_part["functionCall"] == {"name": "get_weather", "args": {"city": "Paris"}}
    assert call_part["thoughtSignature"] in fake.signatures
    assert result_turn == {
        "role": "user",
        "parts": [
            {
                "functionResponse": {
                    "name": "get_weather",
                    "response": {"city": "Paris", "sky": "sunny", "temperature_c": 21},
                }
            }
        ],
    }
