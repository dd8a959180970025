"""The pure parts: SSE framing, tool call assembly, usage, URLs and error wording."""

from __future__ import annotations

import pytest
from rtvi_openai.errors import server_message, status_error
from rtvi_openai.llm import check_base_url, is_loopback_url, token_usage
from rtvi_openai.sse import sse_data
from rtvi_openai.tool_calls import ToolCallAssembler


async def _aiter(items):
    for item in items:
        yield item


async def events(lines: list[str]) -> list[str]:
    return [data async for data in sse_data(_aiter(lines))]


@pytest.mark.anyio
async def test_sse_events_comments_and_multiline_data() -> None:
    lines = [
        ": keep-alive",
        "",
        'data: {"a": 1}',
        "",
        "event: message",
        "id: 7",
        "data:first",
        "data: second",
        "",
        "retry: 10",
        "not a field line",
        "",
        "data: [DONE]",
    ]
    assert await events(lines) == ['{"a": 1}', "first\nsecond", "[DONE]"]


@pytest.mark.anyio
async def test_sse_without_events() -> None:
    assert await events(["<html>", "<body>hello</body>", "</html>"]) == []
    assert await events([]) == []


def test_tool_calls_assembled_from_split_deltas() -> None:
    calls = ToolCallAssembler()
    calls.add([{"index": 0, "id": "call_a", "type": "function", "function": {"name": "get_weather", "arguments": ""}}])
    calls.add([{"index": 0, "function": {"arguments": '{"ci'}}])
    calls.add([{"index": 1, "id": "call_b", "function": {"name": "get_time", "arguments": {"zone": "CET"}}}])
    calls.add([{"index": 0, "function": {"arguments": 'ty": "Paris"}'}}])
    finished = calls.finish()
    assert [(c.function_name, c.tool_call_id, c.arguments) for c in finished] == [
        ("get_weather", "call_a", {"city": "Paris"}),
        ("get_time", "call_b", {"zone": "CET"}),
    ]


def test_tool_call_without_id_or_arguments() -> None:
    calls = ToolCallAssembler()
    calls.add([{"function": {"name": "ping"}}])
    (call,) = calls.finish()
    assert call.function_name == "ping" and call.arguments == {}
    assert call.tool_call_id.startswith("call_") and len(call.tool_call_id) > 10


def test_repeated_function_name_is_not_doubled() -> None:
    calls = ToolCallAssembler()
    calls.add([{"index": 0, "function": {"name": "get_weather", "arguments": "{}"}}])
    calls.add([{"index": 0, "function": {"name": "get_weather", "arguments": ""}}])
    assert calls.finish()[0].function_name == "get_weather"


@pytest.mark.parametrize(
    ("deltas", "message"),
    [
        (
            [{"index": 0, "function": {"name": "f", "arguments": "{bad"}}],
            "the argument object of tool call 'f' is not JSON: '{bad'",
        ),
        (
            [{"index": 0, "function": {"name": "f", "arguments": "[1, 2]"}}],
            "the argument object of tool call 'f' is not a JSON object: '[1, 2]'",
        ),
        ([{"index": 0, "function": {"arguments": "{}"}}], "tool call #0 has no function name"),
    ],
)
def test_unusable_tool_calls(deltas: list, message: str) -> None:
    calls = ToolCallAssembler()
    calls.add(deltas)
    with pytest.raises(ValueError) as error:
        calls.finish()
    assert str(error.value) == message


def test_tool_call_delta_that_is_no_object() -> None:
    with pytest.raises(ValueError, match="not an object"):
        ToolCallAssembler().add(["oops"])


def test_token_usage() -> None:
    usage = token_usage(
        {
            "prompt_tokens": 12,
            "completion_tokens": 5,
            "total_tokens": 17,
            "prompt_tokens_details": {"cached_tokens": 8},
            "completion_tokens_details": {"reasoning_tokens": 2},
        }
    )
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (12, 5, 17)
    assert (usage.cache_read_input_tokens, usage.reasoning_tokens) == (8, 2)
    assert token_usage({"prompt_tokens": 3, "completion_tokens": 4}).total_tokens == 7
    assert token_usage(None) is None and token_usage({}) is None and token_usage("x") is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://api.openai.com/v1/", "https://api.openai.com/v1"),
        ("http://localhost:11434/v1", "http://localhost:11434/v1"),
    ],
)
def test_base_url_accepted(url: str, expected: str) -> None:
    assert check_base_url(url) == expected


@pytest.mark.parametrize("url", ["api.openai.com/v1", "ftp://host/v1", "http://", "", "localhost:8080"])
def test_base_url_refused(url: str) -> None:
    with pytest.raises(ValueError) as error:
        check_base_url(url)
    assert str(error.value).startswith("base_url must be an http(s) URL such as https://api.openai.com/v1")
    assert repr(url) in str(error.value)


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://localhost:8080/v1", True),
        ("http://127.0.0.1:1/v1", True),
        ("http://127.4.5.6/v1", True),
        ("http://[::1]:8000/v1", True),
        ("http://api.localhost/v1", True),
        ("https://api.openai.com/v1", False),
        ("http://192.168.1.20:11434/v1", False),
        ("http://10.0.0.1/v1", False),
    ],
)
def test_loopback_urls(url: str, local: bool) -> None:
    assert is_loopback_url(url) is local


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            b'{"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}}',
            "Incorrect API key provided",
        ),
        (b'{"error": "model \\"llama9\\" not found"}', 'model "llama9" not found'),
        (b'{"detail": "Not Found"}', "Not Found"),
        (b"<html>\n  <body>Bad   gateway</body>\n</html>", "<html> <body>Bad gateway</body> </html>"),
        (b"", ""),
        (b"x" * 1000, "x" * 297 + "..."),
    ],
)
def test_server_message(body: bytes, message: str) -> None:
    assert server_message(body) == message


def test_status_error_without_a_body_names_the_status() -> None:
    error = status_error("http://h/v1/chat/completions", 502, {}, b"")
    assert str(error) == "http://h/v1/chat/completions answered HTTP 502: HTTP 502"
