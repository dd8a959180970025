"""Conformance checklist (spec §20) items 1–37: client → server messages.

Every test drives a real bot (memory transport, aggregators, echo LLM, tone TTS)
through RTVI JSON messages, and every bad-input test then checks that the session
still answers a valid request.
"""

from __future__ import annotations

import base64
import math
from array import array
from typing import Any

import pytest

from rtvi_core import InputAudioRawFrame, InputDTMFFrame
from rtvi_core.builtins.echo_llm import EchoLLMService, ToolRule
from rtvi_core.builtins.energy_vad import EnergyVADAnalyzer
from rtvi_core.rtvi.frames import RTVIUIMessageFrame
from rtvi_core.services.transport_params import TransportParams
from rtvi_core.services.vad import VADParams
from rtvi_core.testing import BotHarness, FrameRecorder, eventually, run_bot

pytestmark = pytest.mark.anyio


async def still_serving(bot: BotHarness) -> None:
    """The session answers a valid request after bad input."""
    msg_id = await bot.request("client-ready", {"version": "2.1.0", "about": {"library": "t"}})
    reply = await bot.client.wait_for_message("bot-ready", predicate=lambda m: m.get("id") == msg_id)
    assert reply["data"]["version"] == "2.2.0"


def replies_after(bot: BotHarness, start: int) -> list[dict[str, Any]]:
    """Error/response messages the client got since index ``start``."""
    kinds = {"error", "error-response", "server-response", "bot-ready"}
    return [m for m in bot.client.messages[start:] if m["type"] in kinds]


# -- Envelope & parsing (items 1–8) --------------------------------------------------


@pytest.mark.parametrize(
    "message",
    [
        {"label": "other", "type": "client-ready", "id": "a1", "data": {"version": "2.1.0"}},
        {"type": "client-ready", "id": "a2", "data": {"version": "2.1.0"}},
    ],
)
async def test_item_01_foreign_or_missing_label_gets_no_reply(message):
    async with run_bot() as bot:
        start = len(bot.client.messages)
        await bot.client.send_message(message)
        await still_serving(bot)
        assert [m["type"] for m in replies_after(bot, start)] == ["bot-ready"]


@pytest.mark.parametrize(
    "message",
    [
        pytest.param({"label": "rtvi-ai", "type": "client-message", "data": {"t": "x"}}, id="item02-no-id"),
        pytest.param(
            {"label": "rtvi-ai", "type": "client-message", "id": 7, "data": {"t": "x"}}, id="item03-numeric-id"
        ),
        pytest.param(
            {"label": "rtvi-ai", "type": "client-message", "id": "d1", "data": [1, 2]}, id="item04-array-data"
        ),
        pytest.param(
            {"label": "rtvi-ai", "type": "client-message", "id": "d2", "data": "text"}, id="item04-string-data"
        ),
        pytest.param({"label": "rtvi-ai", "id": "d3", "data": {}}, id="no-type"),
    ],
)
async def test_items_02_to_04_malformed_envelope_gets_one_error(message):
    async with run_bot() as bot:
        start = len(bot.client.messages)
        await bot.client.send_message(message)
        await still_serving(bot)
        replies = replies_after(bot, start)
        assert [m["type"] for m in replies] == ["error", "bot-ready"]
        error = replies[0]
        assert error["data"]["fatal"] is False
        assert error["data"]["error"].startswith("Invalid RTVI transport message:")
        assert "id" not in error


@pytest.mark.parametrize(
    ("msg_type", "expected"),
    [("foo", "Unsupported type foo"), ("append-to-context", "Unsupported type append-to-context")],
)
async def test_items_05_06_unsupported_types(msg_type, expected):
    async with run_bot() as bot:
        await bot.request(msg_type, {"role": "user", "content": "x"}, msg_id="x1")
        reply = await bot.reply_to("x1")
        assert reply == {"label": "rtvi-ai", "type": "error-response", "id": "x1", "data": {"error": expected}}
        await still_serving(bot)


async def test_item_07_payloadless_events_have_no_data_or_id():
    async with run_bot() as bot:
        await bot.ready()
        await bot.request("send-text", {"content": "hello there"})
        await bot.client.wait_for_message("bot-stopped-speaking")
        for msg_type in ("bot-started-speaking", "bot-stopped-speaking", "bot-llm-started", "bot-interrupted"):
            for message in bot.client.messages_of(msg_type):
                assert message == {"label": "rtvi-ai", "type": msg_type}


# -- Handshake & versions (items 9–19) -----------------------------------------------


async def test_item_09_10_handshake():
    async with run_bot() as bot:
        start = len(bot.client.messages)
        await bot.request("client-ready", {"version": "2.1.0", "about": {"library": "x"}}, msg_id="r1")
        ready = await bot.client.wait_for_message("bot-ready")
        assert ready["id"] == "r1"
        assert ready["data"]["version"] == "2.2.0"
        assert isinstance(ready["data"]["about"]["library"], str)  # item 10
        assert [m["type"] for m in replies_after(bot, start)] == ["bot-ready"]


@pytest.mark.parametrize(
    ("version", "answered"),
    [("2.0.0", "2.2.0"), ("2.1.0", "2.2.0"), ("2.3.1", "2.2.0"), ("1.4.0", "1.4.0"), ("1.0.0", "1.0.0")],
)
async def test_items_11_to_13_compatible_versions(version, answered):
    async with run_bot() as bot:
        start = len(bot.client.messages)
        await bot.request("client-ready", {"version": version, "about": {"library": "x"}}, msg_id="v1")
        ready = await bot.client.wait_for_message("bot-ready")
        assert ready["data"]["version"] == answered
        assert [m["type"] for m in replies_after(bot, start)] == ["bot-ready"]


@pytest.mark.parametrize("version", ["0.3.0", "3.0.0"])
async def test_items_14_15_incompatible_major(version):
    async with run_bot() as bot:
        start = len(bot.client.messages)
        await bot.request("client-ready", {"version": version, "about": {"library": "x"}}, msg_id="v2")
        await bot.client.wait_for_message("bot-ready")
        error, ready = replies_after(bot, start)
        assert error["type"] == "error-response" and error["id"] == "v2"
        text = error["data"]["error"]
        assert version in text and "not compatible" in text and text.endswith("Compatibility issues may occur.")
        assert ready["id"] == "v2" and ready["data"]["version"] == "2.2.0"


@pytest.mark.parametrize("version", ["1.2", "1.2.3.0", "junk", "123", "2.1.0-beta"])
async def test_item_16_invalid_version_format(version):
    async with run_bot() as bot:
        start = len(bot.client.messages)
        await bot.request("client-ready", {"version": version}, msg_id="v3")
        await bot.client.wait_for_message("bot-ready")
        error, ready = replies_after(bot, start)
        assert error["type"] == "error-response"
        assert f"Invalid client version format ({version})." in error["data"]["error"]
        assert ready["data"]["version"] == "2.2.0"


@pytest.mark.parametrize("data", [None, {"version": 2}, {"about": {"library": "x"}}])
async def test_item_17_unknown_version(data):
    async with run_bot() as bot:
        start = len(bot.client.messages)
        await bot.request("client-ready", data, msg_id="v4")
        await bot.client.wait_for_message("bot-ready")
        error, ready = replies_after(bot, start)
        assert error["data"]["error"] == "Client version unknown. Compatibility issues may occur."
        assert ready["data"]["version"] == "2.2.0"


@pytest.mark.parametrize("about", [{}, "nope", None, {"library": 5}])
async def test_item_18_invalid_about_is_not_an_error(about):
    async with run_bot() as bot:
        start = len(bot.client.messages)
        await bot.request("client-ready", {"version": "2.1.0", "about": about}, msg_id="v5")
        await bot.client.wait_for_message("bot-ready")
        assert [m["type"] for m in replies_after(bot, start)] == ["bot-ready"]


async def test_item_19_two_client_ready_two_bot_ready():
    async with run_bot() as bot:
        await bot.request("client-ready", {"version": "2.1.0", "about": {"library": "x"}}, msg_id="a")
        await bot.request("client-ready", {"version": "2.1.0", "about": {"library": "x"}}, msg_id="b")
        await bot.client.wait_for_message("bot-ready", predicate=lambda m: m["id"] == "b")
        assert [m["id"] for m in bot.client.messages_of("bot-ready")] == ["a", "b"]


# -- client-message (items 20–23) ----------------------------------------------------


async def test_items_20_21_client_message_and_server_response():
    async with run_bot() as bot:
        received = []

        @bot.task.rtvi.event_handler("on_client_message")
        async def on_message(rtvi, msg):
            received.append((msg.msg_id, msg.type, msg.data))
            if msg.type == "ping":
                await rtvi.send_server_response(msg, {"pong": msg.data["n"]})

        await bot.ready()
        await bot.request("client-message", {"t": "silent", "d": {"n": 0}}, msg_id="m0")
        await bot.request("client-message", {"t": "ping", "d": {"n": 1}}, msg_id="m1")
        reply = await bot.reply_to("m1")
        assert reply == {
            "label": "rtvi-ai",
            "type": "server-response",
            "id": "m1",
            "data": {"t": "ping", "d": {"pong": 1}},
        }
        assert received == [("m0", "silent", {"n": 0}), ("m1", "ping", {"n": 1})]
        assert not [m for m in bot.client.messages if m.get("id") == "m0"]  # item 20: no automatic reply


async def test_item_22_error_reply():
    async with run_bot() as bot:

        @bot.task.rtvi.event_handler("on_client_message")
        async def on_message(rtvi, msg):
            await rtvi.send_error_response(msg, "no such menu")

        await bot.request("client-message", {"t": "menu"}, msg_id="m1")
        reply = await bot.reply_to("m1")
        assert reply["type"] == "error-response" and reply["data"] == {"error": "no such menu"}


@pytest.mark.parametrize("data", [{"d": 1}, None, {"t": 5}])
async def test_item_23_client_message_without_t(data):
    async with run_bot() as bot:
        await bot.request("client-message", data, msg_id="m2")
        reply = await bot.reply_to("m2")
        assert reply["type"] == "error-response"
        assert reply["data"]["error"].startswith("Invalid message:")
        await still_serving(bot)


# -- send-text (items 24–27) ---------------------------------------------------------


async def test_item_24_send_text_interrupts_and_runs_llm():
    async with run_bot() as bot:
        await bot.ready()
        start = len(bot.client.messages)
        await bot.request("send-text", {"content": "hi"}, msg_id="s1")
        await bot.client.wait_for_message("bot-llm-stopped")
        types = [m["type"] for m in bot.client.messages[start:]]
        assert types.index("bot-interrupted") < types.index("user-llm-text") < types.index("bot-llm-started")
        assert bot.client.messages_of("user-llm-text")[-1]["data"] == {"text": "hi"}
        assert not [m for m in bot.client.messages if m.get("id") == "s1"]


async def test_item_25_send_text_without_running():
    async with run_bot() as bot:
        await bot.ready()
        start = len(bot.client.messages)
        await bot.request("send-text", {"content": "remember me", "options": {"run_immediately": False}})
        await still_serving(bot)
        types = [m["type"] for m in bot.client.messages[start:]]
        assert "bot-interrupted" not in types and "bot-llm-started" not in types
        await bot.request("send-text", {"content": "and now answer"})
        await bot.client.wait_for_message("bot-llm-stopped")
        contents = [msg["content"] for msg in bot.context.get_messages() if msg["role"] == "user"]
        assert contents == ["remember me", "and now answer"]


async def test_item_26_send_text_without_audio_then_restored():
    async with run_bot() as bot:
        await bot.ready()
        start = len(bot.client.messages)
        await bot.request("send-text", {"content": "quiet please", "options": {"audio_response": False}})
        await bot.client.wait_for_message("bot-llm-stopped")
        await still_serving(bot)
        types = [m["type"] for m in bot.client.messages[start:]]
        assert "bot-llm-text" in types
        assert "bot-tts-started" not in types and "bot-started-speaking" not in types
        start = len(bot.client.messages)
        await bot.request("send-text", {"content": "speak again"})
        await bot.client.wait_for_message("bot-stopped-speaking")
        types = [m["type"] for m in bot.client.messages[start:]]
        assert "bot-tts-started" in types and "bot-started-speaking" in types


@pytest.mark.parametrize("data", [{}, {"content": 3}, {"content": "x", "options": {"run_immediately": "no"}}])
async def test_item_27_send_text_invalid(data):
    async with run_bot() as bot:
        await bot.request("send-text", data, msg_id="s2")
        reply = await bot.reply_to("s2")
        assert reply["data"]["error"].startswith("Invalid message:")
        await still_serving(bot)


# -- dtmf, tool results, audio, disconnect, UI (items 28–36) -------------------------


async def test_item_28_dtmf_keypresses_in_order():
    recorder = FrameRecorder(types=(InputDTMFFrame,))
    async with run_bot(extra=[recorder]) as bot:
        await bot.request("dtmf", {"buttons": ["1", "2", "#"]}, msg_id="k1")
        await still_serving(bot)
        assert [f.button.value for f in recorder.frames] == ["1", "2", "#"]
        assert not [m for m in bot.client.messages if m.get("id") == "k1"]


@pytest.mark.parametrize("data", [{"button": "1"}, {"buttons": []}, {"buttons": ["Z"]}, {"buttons": "12"}])
async def test_items_29_30_dtmf_invalid(data):
    async with run_bot() as bot:
        await bot.request("dtmf", data, msg_id="k2")
        reply = await bot.reply_to("k2")
        assert reply["data"]["error"].startswith("Invalid message:")
        await still_serving(bot)


async def test_item_31_client_side_tool_result_completes_call():
    llm = EchoLLMService(
        tool_rules=[ToolRule(pattern=r"where am i", function="get_location", arguments={"precise": True})]
    )
    llm.register_client_function("get_location")
    from rtvi_core import RTVIObserverParams

    params = RTVIObserverParams(function_call_report_level={"get_location": "full"})
    async with run_bot(llm=llm, observer_params=params) as bot:
        await bot.ready()
        await bot.request("send-text", {"content": "where am i"})
        call = await bot.client.wait_for_message("llm-function-call-in-progress")
        assert call["data"]["function_name"] == "get_location"
        assert call["data"]["arguments"] == {"precise": True}
        tool_call_id = call["data"]["tool_call_id"]
        await bot.request(
            "llm-function-call-result",
            {
                "function_name": "get_location",
                "tool_call_id": tool_call_id,
                "arguments": {"precise": True},
                "result": {"city": "Lisbon"},
            },
        )
        stopped = await bot.client.wait_for_message("llm-function-call-stopped")
        assert stopped["data"]["tool_call_id"] == tool_call_id
        assert stopped["data"]["cancelled"] is False
        assert stopped["data"]["result"] == {"city": "Lisbon"}
        # the follow-up inference uses the result
        await bot.client.wait_for_message("bot-llm-text", predicate=lambda m: "Lisbon" in m["data"]["text"], timeout=5)


@pytest.mark.parametrize(
    "data",
    [
        {"function_name": "f", "tool_call_id": "t", "arguments": [1], "result": {}},
        {"function_name": "f", "tool_call_id": "t", "arguments": {}, "result": 3},
        {"function_name": "f", "arguments": {}, "result": {}},
    ],
)
async def test_item_32_function_call_result_invalid(data):
    async with run_bot() as bot:
        await bot.request("llm-function-call-result", data, msg_id="f1")
        reply = await bot.reply_to("f1")
        assert reply["data"]["error"].startswith("Invalid message:")
        await still_serving(bot)


def _b64(pcm: bytes) -> str:
    return base64.b64encode(pcm).decode()


async def test_items_33_34_raw_audio_is_user_audio():
    recorder = FrameRecorder(types=(InputAudioRawFrame,))
    async with run_bot(extra=[recorder]) as bot:
        chunks = [bytes([i]) * 640 for i in range(1, 4)]
        await bot.request(
            "raw-audio", {"base64Audio": _b64(chunks[0]), "sampleRate": 16000, "numChannels": 1}, msg_id="a1"
        )
        await bot.request(
            "raw-audio-batch",
            {"base64AudioBatch": [_b64(c) for c in chunks], "sampleRate": 16000, "numChannels": 1},
            msg_id="raw-audio-batch",
        )
        await still_serving(bot)
        assert [f.audio for f in recorder.frames] == [chunks[0], *chunks]
        assert all(f.sample_rate == 16000 and f.num_channels == 1 for f in recorder.frames)
        assert not [m for m in bot.client.messages if m.get("id") in ("a1", "raw-audio-batch")]


async def test_item_33_raw_audio_speech_triggers_vad():
    transport_params = TransportParams(
        audio_in_enabled=True,
        audio_out_enabled=True,
        audio_out_realtime=False,
        vad_analyzer=EnergyVADAnalyzer(params=VADParams(start_secs=0.1, stop_secs=0.2)),
    )
    async with run_bot(transport_params=transport_params) as bot:
        await bot.ready()
        silence = bytes(640)
        tone = _tone(440, 0.02)
        for pcm in [silence] * 5 + [tone] * 20 + [silence] * 20:
            await bot.request("raw-audio", {"base64Audio": _b64(pcm), "sampleRate": 16000, "numChannels": 1})
        await bot.client.wait_for_message("user-stopped-speaking")
        types = [m["type"] for m in bot.client.messages]
        assert (
            types.index("user-started-speaking") < types.index("bot-interrupted") < types.index("user-stopped-speaking")
        )


def _tone(freq: float, secs: float, rate: int = 16000) -> bytes:
    samples = array("h", (int(8000 * math.sin(2 * math.pi * freq * i / rate)) for i in range(int(rate * secs))))
    return samples.tobytes()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"base64Audio": "!!!not base64", "sampleRate": 16000, "numChannels": 1}, None),
        ({"sampleRate": 16000}, None),
        (None, "Exception processing message:"),
    ],
)
async def test_item_33_raw_audio_bad_input(data, expected):
    async with run_bot() as bot:
        start = len(bot.client.messages)
        await bot.request("raw-audio", data, msg_id="a2")
        await still_serving(bot)
        replies = replies_after(bot, start)
        if expected is None:
            assert [m["type"] for m in replies] == ["bot-ready"]
        else:
            assert replies[0]["type"] == "error-response" and replies[0]["data"]["error"].startswith(expected)


async def test_item_35_disconnect_bot_flushes_then_closes():
    async with run_bot() as bot:
        await bot.ready()
        await bot.request("send-text", {"content": "say something long before you go"})
        await bot.client.wait_for_message("bot-started-speaking")
        await bot.request("disconnect-bot", {}, msg_id="bye")
        await bot.client.wait_closed(timeout=10)
        assert bot.client.messages_of("bot-stopped-speaking")  # the reply was played out
        await eventually(bot.task.has_finished, 5)  # the EndFrame then reaches the end of the pipeline
        assert not [m for m in bot.client.messages if m.get("id") == "bye"]


@pytest.mark.parametrize(
    ("msg_type", "good", "bad"),
    [
        ("ui-event", {"event": "click", "payload": {"ref": "e1"}}, {"payload": {}}),
        (
            "ui-snapshot",
            {"tree": {"root": {"ref": "r", "role": "main", "extra": 1}, "captured_at": 1}},
            {"snapshot": {}},
        ),
        ("ui-cancel-job-group", {"job_id": "j1", "reason": "user"}, {"reason": "user"}),
    ],
)
async def test_item_36_ui_messages(msg_type, good, bad):
    recorder = FrameRecorder(types=(RTVIUIMessageFrame,))
    async with run_bot(extra=[recorder]) as bot:
        start = len(bot.client.messages)
        await bot.request(msg_type, good, msg_id="u1")
        await bot.request(msg_type, bad, msg_id="u2")
        reply = await bot.reply_to("u2")
        assert reply["data"]["error"].startswith("Invalid message:")
        assert [m["id"] for m in replies_after(bot, start)] == ["u2"]
        assert [(f.type, f.data) for f in recorder.frames] == [(msg_type, good)]
        await still_serving(bot)


async def test_item_37_messages_handled_in_arrival_order():
    async with run_bot() as bot:

        @bot.task.rtvi.event_handler("on_client_message")
        async def on_message(rtvi, msg):
            await rtvi.send_server_response(msg, "ok")

        await bot.request("client-ready", {"version": "2.1.0", "about": {"library": "x"}}, msg_id="r")
        await bot.request("client-message", {"t": "first"}, msg_id="c")
        await bot.reply_to("c")
        ids = [m.get("id") for m in bot.client.messages if m.get("id") in ("r", "c")]
        assert ids == ["r", "c"]
