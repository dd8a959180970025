"""The pure parts: reading a message's events, and the wording of error bodies."""

from __future__ import annotations

import pytest
from rtvi_anthropic.errors import event_error, status_error
from rtvi_anthropic.reply import ReplyReader


def read(events: list[dict]) -> tuple[str, ReplyReader]:
    reader = ReplyReader()
    return "".join(reader.read(event) for event in events), reader


def start(index: int, block: dict) -> dict:
    return {"type": "content_block_start", "index": index, "content_block": block}


def delta(index: int, **fields: object) -> dict:
    return {"type": "content_block_delta", "index": index, "delta": fields}


def test_thinking_and_unknown_events_are_skipped() -> None:
    text, reader = read(
        [
            {"type": "message_start", "message": {"usage": {"input_tokens": 10, "output_tokens": 1}}},
            start(0, {"type": "thinking", "thinking": ""}),
            delta(0, type="thinking_delta", thinking="Let me think"),
            delta(0, type="signature_delta", signature="EqQB"),
            {"type": "content_block_stop", "index": 0},
            {"type": "some_future_event", "data": 1},
            start(1, {"type": "text", "text": "Hel"}),
            delta(1, type="text_delta", text="lo"),
            delta(1, type="citations_delta", citation={}),
            {"type": "content_block_stop", "index": 1},
            {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 7}},
        ]
    )
    assert text == "Hello" and reader.stop_reason == "end_turn" and reader.calls == []
    usage = reader.usage()
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (10, 7, 17)


def test_tool_uses_in_order_with_empty_input() -> None:
    _, reader = read(
        [
            start(0, {"type": "tool_use", "id": "toolu_a", "name": "get_time", "input": {}}),
            {"type": "content_block_stop", "index": 0},
            start(1, {"type": "tool_use", "id": "toolu_b", "name": "get_weather", "input": {}}),
            delta(1, type="input_json_delta", partial_json=""),
            delta(1, type="input_json_delta", partial_json='{"city": "Pa'),
            delta(1, type="input_json_delta", partial_json='ris"}'),
            {"type": "content_block_stop", "index": 1},
        ]
    )
    assert [(c.function_name, c.tool_call_id, c.arguments) for c in reader.calls] == [
        ("get_time", "toolu_a", {}),
        ("get_weather", "toolu_b", {"city": "Paris"}),
    ]
    assert reader.usage() is None


@pytest.mark.parametrize(
    ("events", "message"),
    [
        (
            [
                start(0, {"type": "tool_use", "id": "t", "name": "f"}),
                delta(0, type="input_json_delta", partial_json="{bad"),
                {"type": "content_block_stop", "index": 0},
            ],
            "the input of tool call 'f' is not JSON: '{bad'",
        ),
        ([start(0, {"type": "tool_use", "name": "f"})], "a tool_use block without id or name"),
        (
            [{"type": "content_block_delta", "index": 0, "delta": "x"}],
            "a content_block_delta event without a delta object",
        ),
        (
            [{"type": "content_block_start", "content_block": {"type": "tool_use", "id": "t", "name": "f"}}],
            "a content_block_start event without a block index",
        ),
        ([delta(0, type="text_delta", text=5)], "a text that is not a string: 5"),
        ([{"type": "message_start"}], "a message_start event without a message object"),
    ],
)
def test_events_that_make_no_sense(events: list[dict], message: str) -> None:
    with pytest.raises(ValueError) as error:
        read(events)
    assert str(error.value).startswith(message)


def test_error_wording_without_a_body_or_type() -> None:
    assert str(status_error(418, {}, b"", "K")) == (
        "Anthropic refused the request (HTTP 418 invalid_request_error): HTTP 418; check the bot file's llm settings"
    )
    assert str(status_error(503, {}, b"upstream connect error", "K")) == (
        "Anthropic had an internal error (HTTP 503 api_error): upstream connect error; try again in a moment"
    )
    assert str(event_error({"type": "error", "error": {"type": "new_error", "message": "odd"}}, "K")) == (
        "Anthropic reported an error (new_error mid-stream): odd; try again in a moment"
    )
    assert str(event_error({"type": "error"}, "K")) == (
        "Anthropic had an internal error (api_error mid-stream): api_error; try again in a moment"
    )
