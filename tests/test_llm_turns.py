"""``rtvi_core.services.llm_turns``: reading an OpenAI-shaped context for other APIs."""

from __future__ import annotations

import pytest

from rtvi_core.services.llm_turns import (
    OPENING_USER_TURN,
    content_items,
    data_url,
    function_tools,
    merge_turns,
    split_system,
    to_turns,
    tool_call_arguments,
    tool_calls,
    tool_names,
)


def test_split_system_takes_the_leading_system_messages() -> None:
    messages = [
        {"role": "system", "content": "One."},
        {"role": "developer", "content": [{"type": "text", "text": "Two."}]},
        {"role": "system", "content": "  "},
        {"role": "user", "content": "Hi"},
        {"role": "system", "content": "Later."},
    ]
    system, rest = split_system(messages)
    assert system == "One.\n\nTwo."
    assert rest == messages[3:]


def test_a_lone_system_prompt_becomes_the_user_turn() -> None:
    assert split_system([{"role": "system", "content": "Greet."}]) == ("", [{"role": "user", "content": "Greet."}])
    assert split_system([]) == ("", [])
    assert split_system([{"role": "system", "content": ""}]) == ("", [])


def test_merge_turns_drops_empty_turns_and_joins_neighbours() -> None:
    turns = [("user", [1]), ("user", []), ("user", [2]), ("model", [3]), ("user", [4])]
    assert merge_turns(turns) == [("user", [1, 2]), ("model", [3]), ("user", [4])]


def test_to_turns_opens_a_conversation_the_bot_started() -> None:
    def text(message: dict) -> list[str]:
        return [message["content"]] if message.get("content") else []

    messages = [
        {"role": "assistant", "content": "Hello!"},
        {"role": "system", "content": "Note."},
        {"role": "tool", "tool_call_id": "c", "content": "r"},
    ]
    turns = to_turns(
        messages, user=text, assistant=text, tool=lambda m: f"result {m['content']}", model_role="model", provider="X"
    )
    assert turns == [("user", [OPENING_USER_TURN]), ("model", ["Hello!"]), ("user", ["Note.", "result r"])]
    with pytest.raises(ValueError, match="a message has the role 'function', which X does not take"):
        to_turns([{"role": "function"}], user=text, assistant=text, tool=text, model_role="m", provider="X")


def test_content_items() -> None:
    message = {
        "role": "user",
        "content": [
            {"type": "text", "text": "Look"},
            {"type": "text", "text": " "},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
            {"type": "image_url", "image_url": "https://example.com/a.jpg"},
        ],
    }
    assert content_items(message, "X") == [
        ("text", "Look"),
        ("inline", ("image/png", "AAAA")),
        ("url", "https://example.com/a.jpg"),
    ]
    assert content_items({"role": "user", "content": None}, "X") == []
    assert content_items({"role": "user", "content": "\n"}, "X") == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (5, "a user message's content is neither text nor a list"),
        ([{"type": "input_audio"}], "a content part of type 'input_audio' cannot be sent to X"),
        (["text"], "a content part of type None cannot be sent to X"),
        ([{"type": "image_url", "image_url": {}}], "an image_url part has no url"),
        (
            [{"type": "image_url", "image_url": {"url": "file:///etc/passwd"}}],
            "an image URL is neither a data: URL nor http(s)",
        ),
    ],
)
def test_content_that_cannot_be_sent(content: object, message: str) -> None:
    with pytest.raises(ValueError) as error:
        content_items({"role": "user", "content": content}, "X")
    assert str(error.value).startswith(message)


def test_data_url() -> None:
    assert data_url("data:image/jpeg;base64,/9j/") == ("image/jpeg", "/9j/")
    assert data_url("data:;base64,AA") == ("application/octet-stream", "AA")
    assert data_url("data:image/png,rawtext") is None
    assert data_url("https://example.com/a.png") is None


def test_tool_calls_and_their_arguments() -> None:
    call = {"id": "c1", "function": {"name": "f", "arguments": '{"a": 1}'}}
    message = {
        "role": "assistant",
        "tool_calls": [call, {"id": "c2", "function": {"name": "g", "arguments": {"b": 2}}}],
    }
    assert tool_calls(message) == message["tool_calls"]
    assert [tool_call_arguments(c) for c in tool_calls(message)] == [{"a": 1}, {"b": 2}]
    assert tool_call_arguments({"function": {"name": "f", "arguments": " "}}) == {}
    assert tool_names([message, {"role": "user"}]) == {"c1": "f", "c2": "g"}
    with pytest.raises(ValueError, match="the arguments of tool call 'f' in the context are not a JSON object"):
        tool_call_arguments({"function": {"name": "f", "arguments": "[1]"}})
    with pytest.raises(ValueError, match="a tool call in the context has no id"):
        tool_calls({"tool_calls": [{"function": {"name": "f"}}]})


def test_function_tools() -> None:
    weather = {"type": "function", "function": {"name": "get_weather"}}
    assert function_tools([weather]) == [{"name": "get_weather"}]
    with pytest.raises(ValueError, match="a tool is not an OpenAI function tool"):
        function_tools([{"type": "code_interpreter"}])
