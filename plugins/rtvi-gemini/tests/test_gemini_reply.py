"""The pure parts: reading a reply's chunks, and the wording of error bodies."""

from __future__ import annotations

import json

import pytest
from rtvi_gemini.errors import chunk_error, status_error
from rtvi_gemini.reply import GENERATED_ID_PREFIX, ReplyReader


def candidate(*parts: dict, finish: str | None = None, index: int = 0) -> dict:
    entry: dict = {"content": {"parts": list(parts), "role": "model"}, "index": index}
    if finish:
        entry["finishReason"] = finish
    return entry


def read(chunks: list[dict]) -> tuple[str, ReplyReader]:
    reader = ReplyReader()
    return "".join(reader.read(chunk) for chunk in chunks), reader


def test_thoughts_and_other_candidates_are_skipped() -> None:
    text, reader = read(
        [
            {"candidates": [candidate({"text": "Planning...", "thought": True}, {"text": "Hel"})]},
            {"candidates": [candidate({"text": "other"}, index=1), candidate({"text": "lo"})]},
            {
                "candidates": [candidate({"text": ""}, finish="STOP")],
                "usageMetadata": {
                    "promptTokenCount": 10,
                    "candidatesTokenCount": 2,
                    "thoughtsTokenCount": 5,
                    "cachedContentTokenCount": 4,
                    "totalTokenCount": 17,
                },
            },
        ]
    )
    assert text == "Hello" and reader.finish_reason == "STOP"
    usage = reader.usage()
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (10, 7, 17)
    assert (usage.cache_read_input_tokens, usage.reasoning_tokens) == (4, 5)


def test_function_calls_keep_their_id_and_signature() -> None:
    _, reader = read(
        [
            {
                "candidates": [
                    candidate(
                        {"functionCall": {"name": "get_time"}},
                        {
                            "functionCall": {"name": "get_weather", "args": {"city": "Paris"}, "id": "fc-7"},
                            "thoughtSignature": "sig",
                        },
                        finish="STOP",
                    )
                ]
            }
        ]
    )
    first, second = reader.calls
    assert (first.function_name, first.arguments) == ("get_time", {})
    assert first.tool_call_id.startswith(GENERATED_ID_PREFIX)
    assert (second.function_name, second.tool_call_id, second.arguments) == ("get_weather", "fc-7", {"city": "Paris"})
    assert reader.call_extras == {"fc-7": {"id": "fc-7", "thoughtSignature": "sig"}}
    assert reader.usage() is None


def test_a_blocked_prompt_is_noted() -> None:
    _, reader = read([{"promptFeedback": {"blockReason": "SAFETY", "blockReasonMessage": "no"}}])
    assert (reader.block_reason, reader.block_message, reader.finish_reason) == ("SAFETY", "no", None)


@pytest.mark.parametrize(
    ("chunk", "message"),
    [
        ({"candidates": "x"}, "candidates is not a list"),
        ({"candidates": [{"content": {"parts": 5}}]}, "a candidate's content has no list of parts"),
        ({"candidates": [candidate({"text": 5})]}, "a text part that is not a string: 5"),
        ({"candidates": [candidate({"functionCall": {"args": {}}})]}, "a functionCall without a name"),
        (
            {"candidates": [candidate({"functionCall": {"name": "f", "args": [1]}})]},
            "the args of functionCall 'f' are not an object: [1]",
        ),
    ],
)
def test_chunks_that_make_no_sense(chunk: dict, message: str) -> None:
    with pytest.raises(ValueError) as error:
        read([chunk])
    assert str(error.value).startswith(message)


def test_error_wording_without_a_body_or_status() -> None:
    assert str(status_error(418, {}, b"", "K")) == (
        "Gemini refused the request (HTTP 418 INVALID_ARGUMENT): HTTP 418; check the bot file's llm settings"
    )
    wrapped = json.dumps([{"error": {"code": 504, "message": "Deadline expired", "status": "DEADLINE_EXCEEDED"}}])
    assert str(status_error(504, {}, wrapped.encode(), "K")).startswith(
        "Gemini ran out of time (HTTP 504 DEADLINE_EXCEEDED): "
    )
    not_a_reason = json.dumps({"error": {"status": "UNAVAILABLE", "details": [{"reason": ["API_KEY_INVALID"]}]}})
    assert str(status_error(503, {}, not_a_reason.encode(), "K")).startswith(
        "Gemini is overloaded or unavailable (HTTP 503 UNAVAILABLE): "
    )
    assert str(chunk_error({"error": "boom"}, "K")) == (
        "Gemini had an internal error (INTERNAL mid-stream): boom; try again in a moment"
    )
