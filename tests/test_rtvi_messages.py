"""Tests for the RTVI message schema (rtvi_core.rtvi.messages)."""

from __future__ import annotations

import json

import msgspec
import pytest

from rtvi_core.rtvi import messages as m
from rtvi_core.rtvi.messages import (
    DroppedMessageError,
    EnvelopeError,
    InvalidMessageError,
    MessageProcessingError,
    UnsupportedTypeError,
    VersionStatus,
    encode,
    parse_about,
    parse_client_version,
    parse_envelope,
    to_builtins,
    validate_data,
)

LABEL = "rtvi-ai"


def wire(msg: m.OutboundMessage) -> dict:
    """Encoded JSON as a dict; also checks to_builtins agrees with encode."""
    out = json.loads(encode(msg))
    assert out == to_builtins(msg)
    return out


# -- constants ---------------------------------------------------------------------


def test_constants():
    assert m.PROTOCOL_VERSION == "2.2.0"
    assert m.PROTOCOL_VERSION_TUPLE == (2, 2, 0)
    assert m.MESSAGE_LABEL == "rtvi-ai"


# -- envelope ----------------------------------------------------------------------


def test_envelope_ok_and_extra_keys_ignored():
    env = parse_envelope({"label": LABEL, "type": "send-text", "id": "a1", "data": {"content": "x"}, "extra": 1})
    assert env == m.ClientEnvelope(type="send-text", id="a1", data={"content": "x"})


@pytest.mark.parametrize(
    "data_obj", [{"label": LABEL, "type": "t", "id": "1"}, {"label": LABEL, "type": "t", "id": "1", "data": None}]
)
def test_envelope_data_absent_or_null(data_obj):
    env = parse_envelope(data_obj)
    assert env is not None and env.data is None


@pytest.mark.parametrize(
    "obj",
    [
        {"label": "other", "type": "client-ready", "id": "1"},
        {"type": "client-ready", "id": "1"},
        {"label": "RTVI-AI", "type": "client-ready", "id": "1"},
        {"label": None, "type": "x"},
        ["rtvi-ai"],
        "rtvi-ai",
        None,
        42,
    ],
)
def test_envelope_foreign_or_missing_label_is_ignored(obj):
    assert parse_envelope(obj) is None


@pytest.mark.parametrize(
    "obj, details",
    [
        ({"label": LABEL, "type": "client-ready"}, "Object missing required field `id`"),
        ({"label": LABEL, "type": "client-ready", "id": 5}, "Expected `str`, got `int` - at `$.id`"),
        ({"label": LABEL, "type": "client-ready", "id": None}, "Expected `str`, got `null` - at `$.id`"),
        ({"label": LABEL, "id": "1"}, "Object missing required field `type`"),
        ({"label": LABEL, "type": 3, "id": "1"}, "Expected `str`, got `int` - at `$.type`"),
        (
            {"label": LABEL, "type": "x", "id": "1", "data": [1]},
            "Expected `object | null`, got `array` - at `$.data`",
        ),
        (
            {"label": LABEL, "type": "x", "id": "1", "data": "s"},
            "Expected `object | null`, got `str` - at `$.data`",
        ),
        (
            {"label": LABEL, "type": "x", "id": "1", "data": 1.5},
            "Expected `object | null`, got `float` - at `$.data`",
        ),
    ],
)
def test_envelope_errors(obj, details):
    with pytest.raises(EnvelopeError) as ei:
        parse_envelope(obj)
    assert isinstance(ei.value, ValueError)
    assert str(ei.value) == details
    assert ei.value.reply == "error"
    assert ei.value.error_text == f"Invalid RTVI transport message: {details}"


# -- version negotiation (spec §3.3, §20 items 9-17) ------------------------------------


@pytest.mark.parametrize("v", ["2.0.0", "2.1.0", "2.2.0", "2.3.1"])
def test_version_compatible(v):
    check = parse_client_version({"version": v})
    assert check.status is VersionStatus.COMPATIBLE
    assert check.error is None
    assert check.bot_ready_version == "2.2.0"
    assert not check.is_legacy


@pytest.mark.parametrize("v, echoed", [("1.4.0", "1.4.0"), ("1.0.0", "1.0.0"), ("1.04.00", "1.4.0")])
def test_version_legacy_echoed(v, echoed):
    check = parse_client_version({"version": v})
    assert check.status is VersionStatus.LEGACY
    assert check.error is None
    assert check.is_legacy
    assert check.bot_ready_version == echoed


@pytest.mark.parametrize("v", ["0.3.0", "3.0.0"])
def test_version_incompatible(v):
    check = parse_client_version({"version": v})
    assert check.status is VersionStatus.INCOMPATIBLE
    assert check.error == (
        f"RTVI version {v} is not compatible with server protocol 2.2.0. Compatibility issues may occur."
    )
    assert check.bot_ready_version == "2.2.0"


@pytest.mark.parametrize(
    "v", ["1.2", "1.2.3.0", "junk", "123", "2.1.0-beta", "", "2.1.0\n", " 2.1.0", "-1.0.0", "1..0"]
)
def test_version_invalid_format(v):
    check = parse_client_version({"version": v})
    assert check.status is VersionStatus.INVALID
    assert check.error == f"Invalid client version format ({v}). Compatibility issues may occur."
    assert check.parsed is None
    assert check.bot_ready_version == "2.2.0"


def test_version_invalid_keeps_previously_stored_legacy_version():
    first = parse_client_version({"version": "1.4.0"})
    stored = first.stored_version(None)
    second = parse_client_version({"version": "junk"})
    stored = second.stored_version(stored)
    assert stored == (1, 4, 0)
    assert m.bot_ready_version(stored) == "1.4.0"
    assert m.is_legacy_version(stored)
    # a later valid 2.x version replaces it
    stored = parse_client_version({"version": "2.1.0"}).stored_version(stored)
    assert m.bot_ready_version(stored) == "2.2.0"


@pytest.mark.parametrize("data", [None, {}, {"version": 2}, {"version": None}, {"about": {}}])
def test_version_unknown(data):
    check = parse_client_version(data)
    assert check.status is VersionStatus.UNKNOWN
    assert check.error == "Client version unknown. Compatibility issues may occur."
    assert check.bot_ready_version == "2.2.0"


def test_client_ready_through_validate_data_never_raises():
    out = validate_data("client-ready", None)
    assert isinstance(out, m.ClientReadyData)
    assert out.version.status is VersionStatus.UNKNOWN
    assert out.about == {"library": "unknown"}

    about = {
        "library": "@pipecat-ai/client-js",
        "library_version": "1.13.0",
        "platform_details": {"browser": "Chrome"},
        "x": 1,
    }
    out = validate_data("client-ready", {"version": "2.1.0", "about": about})
    assert out.version.status is VersionStatus.COMPATIBLE
    assert out.about == about


@pytest.mark.parametrize(
    "about", [None, {}, {"library": 1}, "x", [], {"library_version": "1"}, {"library": "a", "platform": 3}]
)
def test_parse_about_invalid_defaults(about):
    assert parse_about(about) == {"library": "unknown"}


def test_parse_about_valid():
    assert parse_about({"library": "lib", "platform": None}) == {"library": "lib", "platform": None}


# -- client data validation ----------------------------------------------------------------


def _invalid(msg_type, data) -> str:
    with pytest.raises(InvalidMessageError) as ei:
        validate_data(msg_type, data)
    assert ei.value.reply == "error-response"
    assert ei.value.error_text.startswith("Invalid message: ")
    return str(ei.value)


def test_client_message():
    out = validate_data("client-message", {"t": "ping", "d": {"a": None}})
    assert out == m.ClientMessageData(t="ping", d={"a": None})
    assert validate_data("client-message", {"t": "ping"}).d is None
    assert _invalid("client-message", {"d": 1}) == "Object missing required field `t`"
    assert _invalid("client-message", None) == "Expected `object`, got `null`"
    assert "Expected `str`" in _invalid("client-message", {"t": 1})


def test_send_text():
    out = validate_data("send-text", {"content": "hi"})
    assert out.content == "hi" and out.run_immediately and out.audio_response
    out = validate_data("send-text", {"content": "hi", "options": {}})
    assert out.run_immediately and out.audio_response
    out = validate_data("send-text", {"content": "hi", "options": {"run_immediately": False, "audio_response": False}})
    assert not out.run_immediately and not out.audio_response
    assert _invalid("send-text", {"options": {}}) == "Object missing required field `content`"
    assert "Expected `bool`" in _invalid("send-text", {"content": "x", "options": {"run_immediately": "no"}})


def test_llm_function_call_result():
    ok = {"function_name": "f", "tool_call_id": "T", "arguments": {"a": 1}, "result": {"r": None}}
    out = validate_data("llm-function-call-result", ok)
    assert out.result == {"r": None} and out.arguments == {"a": 1}
    assert validate_data("llm-function-call-result", {**ok, "result": "text"}).result == "text"
    assert _invalid("llm-function-call-result", {**ok, "arguments": [1]}) == (
        "Expected `object`, got `array` - at `$.arguments`"
    )
    assert "`$.result`" in _invalid("llm-function-call-result", {**ok, "result": 3})
    assert "tool_call_id" in _invalid("llm-function-call-result", {k: v for k, v in ok.items() if k != "tool_call_id"})


def test_dtmf():
    assert validate_data("dtmf", {"buttons": ["1", "2", "#"]}).buttons == ["1", "2", "#"]
    assert validate_data("dtmf", {"buttons": list("0123456789*#")}).buttons == list("0123456789*#")
    assert _invalid("dtmf", {"button": "1"}) == "Object missing required field `buttons`"
    assert _invalid("dtmf", {"buttons": []}) == "Expected `array` of length >= 1 - at `$.buttons`"
    assert _invalid("dtmf", {"buttons": ["Z"]}) == "Invalid enum value 'Z' - at `$.buttons[0]`"
    assert "`$.buttons`" in _invalid("dtmf", {"buttons": "12"})
    _invalid("dtmf", {"buttons": [1]})
    _invalid("dtmf", {"buttons": ["12"]})


def test_ui_messages():
    assert validate_data("ui-event", {"event": "click", "payload": {"x": 1}}).payload == {"x": 1}
    assert _invalid("ui-event", {"payload": 1}) == "Object missing required field `event`"

    tree = {
        "root": {
            "ref": "e0",
            "role": "main",
            "future": True,
            "children": [{"ref": "e1", "role": "heading", "name": "Title", "level": 1, "state": ["focused"]}],
        },
        "captured_at": 1700000000000,
        "selection": {"ref": "e1", "text": "Tit", "start_offset": 0},
    }
    snap = validate_data("ui-snapshot", {"tree": tree})
    assert snap.tree.root.children[0].name == "Title"
    assert snap.tree.selection.text == "Tit"
    assert _invalid("ui-snapshot", {}) == "Object missing required field `tree`"
    assert "`$.tree.root.children[0]`" in _invalid(
        "ui-snapshot", {"tree": {**tree, "root": {"ref": "e0", "role": "main", "children": [{"ref": "x"}]}}}
    )
    assert "captured_at" in _invalid("ui-snapshot", {"tree": {"root": tree["root"]}})

    assert validate_data("ui-cancel-job-group", {"job_id": "j"}).reason is None
    assert _invalid("ui-cancel-job-group", {"reason": "r"}) == "Object missing required field `job_id`"


def test_disconnect_bot_ignores_data():
    assert isinstance(validate_data("disconnect-bot", None), m.DisconnectBotData)
    assert isinstance(validate_data("disconnect-bot", {"x": 1}), m.DisconnectBotData)


def test_raw_audio():
    out = validate_data("raw-audio", {"base64Audio": "AAABAA==", "sampleRate": 16000, "numChannels": 1})
    assert out.sample_rate == 16000 and out.num_channels == 1
    assert out.pcm() == b"\x00\x00\x01\x00"
    batch = validate_data(
        "raw-audio-batch", {"base64AudioBatch": ["AAA=", "AQA="], "sampleRate": 16000, "numChannels": 1}
    )
    assert batch.pcm_chunks() == [b"\x00\x00", b"\x01\x00"]

    for t in ("raw-audio", "raw-audio-batch"):
        with pytest.raises(MessageProcessingError) as ei:
            validate_data(t, None)
        assert ei.value.error_text.startswith("Exception processing message: ")
        assert ei.value.reply == "error-response"
        with pytest.raises(DroppedMessageError) as ei:
            validate_data(t, {"sampleRate": 16000, "numChannels": 1})
        assert ei.value.reply is None
    with pytest.raises(DroppedMessageError):
        validate_data("raw-audio", {"base64Audio": "AA==", "sampleRate": "16000", "numChannels": 1})
    with pytest.raises(DroppedMessageError):
        m.RawAudioData(base64_audio="not base64!", sample_rate=16000, num_channels=1).pcm()
    with pytest.raises(DroppedMessageError):
        m.RawAudioBatchData(base64_audio_batch=["AAA=", "%%%"], sample_rate=16000, num_channels=1).pcm_chunks()


@pytest.mark.parametrize("t", ["raw-audio", "raw-audio-batch"])
def test_raw_audio_format_outside_the_input_formats_is_an_error_response(t):
    audio = {"base64Audio": "AAA="} if t == "raw-audio" else {"base64AudioBatch": ["AAA="]}
    for rate, channels, field, expected in [
        (1, 1, "sampleRate", "one of 8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000"),
        (0, 1, "sampleRate", "one of 8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000"),
        (16000, 3, "numChannels", "1 to 2"),
    ]:
        with pytest.raises(InvalidMessageError) as ei:
            validate_data(t, audio | {"sampleRate": rate, "numChannels": channels})
        value = rate if field == "sampleRate" else channels
        assert ei.value.error_text == (
            f"Invalid message: {field} {value} is not supported (expected {expected}) - at `$.{field}`"
        )
    assert validate_data(t, audio | {"sampleRate": 48000, "numChannels": 2}).sample_rate == 48000


def test_send_text_content_is_capped():
    assert validate_data("send-text", {"content": "a" * m.MAX_TEXT_CHARS}).content == "a" * m.MAX_TEXT_CHARS
    assert _invalid("send-text", {"content": "a" * (m.MAX_TEXT_CHARS + 1)}) == (
        f"Expected `str` of length <= {m.MAX_TEXT_CHARS} - at `$.content`"
    )


@pytest.mark.parametrize("t", ["foo", "append-to-context", ""])
def test_unsupported_type(t):
    with pytest.raises(UnsupportedTypeError) as ei:
        validate_data(t, {})
    assert ei.value.msg_type == t
    assert ei.value.error_text == f"Unsupported type {t}"


def test_strict_no_coercion():
    assert "Expected `str`, got `int`" in _invalid("ui-cancel-job-group", {"job_id": 1})
    assert "Expected `int`, got `str`" in _invalid(
        "ui-snapshot", {"tree": {"root": {"ref": "a", "role": "b"}, "captured_at": "1"}}
    )


def test_client_message_types():
    assert {
        "client-ready",
        "disconnect-bot",
        "client-message",
        "send-text",
        "llm-function-call-result",
        "dtmf",
        "raw-audio",
        "raw-audio-batch",
        "ui-event",
        "ui-snapshot",
        "ui-cancel-job-group",
    } == m.CLIENT_MESSAGE_TYPES


# -- outbound --------------------------------------------------------------------------------


PAYLOADLESS = {
    "user-started-speaking": m.UserStartedSpeaking,
    "user-stopped-speaking": m.UserStoppedSpeaking,
    "vad-user-started-speaking": m.VADUserStartedSpeaking,
    "vad-user-stopped-speaking": m.VADUserStoppedSpeaking,
    "user-mute-started": m.UserMuteStarted,
    "user-mute-stopped": m.UserMuteStopped,
    "bot-started-speaking": m.BotStartedSpeaking,
    "bot-stopped-speaking": m.BotStoppedSpeaking,
    "bot-interrupted": m.BotInterrupted,
    "bot-llm-started": m.BotLLMStarted,
    "bot-llm-stopped": m.BotLLMStopped,
    "bot-tts-started": m.BotTTSStarted,
    "bot-tts-stopped": m.BotTTSStopped,
}


@pytest.mark.parametrize("type_, cls", sorted(PAYLOADLESS.items()))
def test_payloadless_events_have_no_data_or_id(type_, cls):
    assert wire(cls()) == {"label": LABEL, "type": type_}


def test_catalog_complete():
    expected = {
        "bot-ready",
        "error",
        "error-response",
        "server-response",
        "server-message",
        "metrics",
        "user-transcription",
        "user-llm-text",
        "bot-llm-text",
        "bot-transcription",
        "bot-tts-text",
        "bot-output",
        "llm-function-call-started",
        "llm-function-call-in-progress",
        "llm-function-call-stopped",
        "llm-function-call",
        "user-audio-level",
        "bot-audio-level",
        "system-log",
        "ui-command",
        "ui-job-group",
        "bot-llm-search-response",
        "bot-tts-audio",
        # protocol 2.2.0 (Pipecat 1.14)
        "user-input",
        "stt-raw-text",
        "llm-raw-text",
        "tts-raw-text",
        *PAYLOADLESS,
    }
    assert set(m.OUTBOUND_TYPES) == expected
    assert len(expected) == 40


def test_bot_ready():
    msg = m.BotReady(
        id="r1", data=m.BotReadyData(version="2.1.0", about={"library": "rtvi-core", "library_version": "0.1.0"})
    )
    assert wire(msg) == {
        "label": LABEL,
        "type": "bot-ready",
        "id": "r1",
        "data": {"version": "2.1.0", "about": {"library": "rtvi-core", "library_version": "0.1.0"}},
    }
    assert wire(m.BotReady(id="", data=m.BotReadyData("2.1.0")))["data"] == {"version": "2.1.0"}


def test_bot_ready_capabilities_leave_unknown_fields_out():
    caps = m.BotCapabilities(audio_in=True, audio_out=False, video_in=False, metrics=True)
    msg = m.BotReady(id="r1", data=m.BotReadyData(version="2.2.0", about={"library": "x"}, capabilities=caps))
    assert wire(msg)["data"] == {
        "version": "2.2.0",
        "about": {"library": "x"},
        "capabilities": {"audio_in": True, "audio_out": False, "video_in": False, "metrics": True},
    }
    assert wire(m.BotReady(id="", data=m.BotReadyData("2.2.0", capabilities=m.BotCapabilities())))["data"] == {
        "version": "2.2.0",
        "capabilities": {},
    }


def test_capabilities_combine_and_override():
    left = m.BotCapabilities(audio_in=True, audio_out=False, video_in=False)
    right = m.BotCapabilities(audio_in=False, audio_out=False, metrics=True)
    assert left.combine(right) == m.BotCapabilities(
        audio_in=True, audio_out=False, video_in=False, metrics=True
    )  # True wins, then False; unknown stays None
    assert left.override(m.BotCapabilities(audio_out=True, screen_in=True)) == m.BotCapabilities(
        audio_in=True, audio_out=True, video_in=False, screen_in=True
    )


def test_error_fatal_always_present():
    assert wire(m.ErrorMessage(data=m.ErrorData(error="boom"))) == {
        "label": LABEL,
        "type": "error",
        "data": {"error": "boom", "fatal": False},
    }
    assert wire(m.ErrorMessage(data=m.ErrorData("x", fatal=True)))["data"]["fatal"] is True


def test_error_response_and_server_response():
    assert wire(m.ErrorResponse(id="m1", data=m.ErrorResponseData("Unsupported type foo"))) == {
        "label": LABEL,
        "type": "error-response",
        "id": "m1",
        "data": {"error": "Unsupported type foo"},
    }
    assert wire(m.ServerResponse(id="m1", data=m.ServerResponseData("ping", {"a": None}))) == {
        "label": LABEL,
        "type": "server-response",
        "id": "m1",
        "data": {"t": "ping", "d": {"a": None}},
    }
    assert wire(m.ServerResponse(id="m1", data=m.ServerResponseData("ping", None)))["data"] == {"t": "ping"}
    assert wire(m.ServerResponse(id="m1", data=m.ServerResponseData("ping")))["data"] == {"t": "ping"}
    assert wire(m.ServerResponse(id="m1", data=m.ServerResponseData("ping", 0)))["data"] == {"t": "ping", "d": 0}


def test_server_message_and_metrics_and_ui():
    assert wire(m.ServerMessage(data={"k": [None, 1]})) == {
        "label": LABEL,
        "type": "server-message",
        "data": {"k": [None, 1]},
    }
    assert wire(m.ServerMessage(data=None)) == {"label": LABEL, "type": "server-message"}
    assert wire(m.ServerMessage()) == {"label": LABEL, "type": "server-message"}
    assert wire(m.ServerMessage(data="text"))["data"] == "text"
    metrics = {"ttfb": [{"processor": "LLM#0", "value": 0.4}], "tokens": []}
    assert wire(m.Metrics(data=metrics)) == {"label": LABEL, "type": "metrics", "data": metrics}
    assert wire(m.Metrics(data={}))["data"] == {}
    assert wire(m.UICommand(data=m.UICommandData("toast", {"title": "t", "subtitle": None}))) == {
        "label": LABEL,
        "type": "ui-command",
        "data": {"command": "toast", "payload": {"title": "t", "subtitle": None}},
    }
    assert wire(m.UICommand(data=m.UICommandData("focus")))["data"] == {"command": "focus"}
    jg = {"kind": "group_started", "job_id": "j", "cancellable": True, "at": 1, "label": None}
    assert wire(m.UIJobGroup(data=jg)) == {"label": LABEL, "type": "ui-job-group", "data": jg}


def test_text_events():
    for cls, t in [
        (m.UserLLMText, "user-llm-text"),
        (m.BotLLMText, "bot-llm-text"),
        (m.BotTranscription, "bot-transcription"),
        (m.BotTTSText, "bot-tts-text"),
        (m.SystemLog, "system-log"),
    ]:
        assert wire(cls(data=m.TextData(" hi"))) == {"label": LABEL, "type": t, "data": {"text": " hi"}}


def test_user_input_and_raw_text():
    chat = m.UserInputData(text="hi", input_type="chat", timestamp="T", final=True, msg_id="s1")
    assert wire(m.UserInput(data=chat)) == {
        "label": LABEL,
        "type": "user-input",
        "data": {"text": "hi", "input_type": "chat", "timestamp": "T", "final": True, "msg_id": "s1"},
    }
    spoken = m.UserInputData(text="he", input_type="transcription", timestamp="T", final=False, user_id="")
    assert wire(m.UserInput(data=spoken))["data"] == {
        "text": "he",
        "input_type": "transcription",
        "timestamp": "T",
        "final": False,
        "user_id": "",
    }
    with pytest.raises(msgspec.ValidationError):
        m.decode_outbound(
            b'{"type":"user-input","data":{"text":"x","input_type":"typed","timestamp":"T","final":true}}'
        )
    stt = m.STTRawText(data=m.UserTranscriptionData(text="he", user_id="u", timestamp="T", final=False))
    assert wire(stt)["data"] == {"text": "he", "user_id": "u", "timestamp": "T", "final": False}
    for cls, t in [(m.LLMRawText, "llm-raw-text"), (m.TTSRawText, "tts-raw-text")]:
        assert wire(cls(data=m.TextData("x"))) == {"label": LABEL, "type": t, "data": {"text": "x"}}


def test_user_transcription_and_levels():
    msg = m.UserTranscription(
        data=m.UserTranscriptionData(text="hello", user_id="", timestamp="2026-08-21T16:51:30.123+00:00", final=False)
    )
    assert wire(msg) == {
        "label": LABEL,
        "type": "user-transcription",
        "data": {"text": "hello", "user_id": "", "timestamp": "2026-08-21T16:51:30.123+00:00", "final": False},
    }
    assert wire(m.UserAudioLevel(data=m.AudioLevelData(0.5))) == {
        "label": LABEL,
        "type": "user-audio-level",
        "data": {"value": 0.5},
    }
    assert wire(m.BotAudioLevel(data=m.AudioLevelData(0.0)))["type"] == "bot-audio-level"


def test_bot_output_kinds():
    unspoken = m.BotOutput(
        data=m.BotOutputData(
            text="x", output_type="code", segment_id=3, spoken=False, will_be_spoken=False, spoken_status="new"
        )
    )
    assert wire(unspoken)["data"] == {
        "text": "x",
        "output_type": "code",
        "text_type": "code",
        "aggregated_by": "code",
        "segment_id": 3,
        "spoken": False,
        "will_be_spoken": False,
        "spoken_status": "new",
    }
    new = m.BotOutput(
        data=m.BotOutputData(
            text="Hi there.",
            output_type="sentence",
            segment_id=7,
            spoken=False,
            will_be_spoken=True,
            spoken_status="new",
            spoken_progress=m.SpokenProgress("", "Hi there."),
        )
    )
    assert wire(new) == {
        "label": LABEL,
        "type": "bot-output",
        "data": {
            "text": "Hi there.",
            "output_type": "sentence",
            "text_type": "sentence",
            "aggregated_by": "sentence",
            "segment_id": 7,
            "spoken": False,
            "will_be_spoken": True,
            "spoken_status": "new",
            "spoken_progress": {"accumulated_text": "", "remaining_text": "Hi there."},
        },
    }
    progress = m.BotOutput(
        data=m.BotOutputData(
            text="Hi there.",
            output_type="sentence",
            segment_id=7,
            will_be_spoken=True,
            spoken_status="in-progress",
            spoken_progress=m.SpokenProgress("Hi", " there."),
        )
    )
    data = wire(progress)["data"]
    assert "spoken" not in data and data["spoken_status"] == "in-progress"


def test_bot_output_keys_in_pipecat_order():
    """Pipecat 1.14's key order (JSON objects are unordered; this keeps dumps comparable)."""
    data = m.BotOutputData(text="x", output_type="word", segment_id=1, spoken=True, will_be_spoken=True)
    assert list(wire(m.BotOutput(data=data))["data"]) == [
        "text",
        "output_type",
        "text_type",
        "aggregated_by",
        "segment_id",
        "spoken",
        "will_be_spoken",
    ]


def test_function_call_events():
    assert wire(m.LLMFunctionCallStarted(data=m.LLMFunctionCallStartedData())) == {
        "label": LABEL,
        "type": "llm-function-call-started",
        "data": {},
    }
    assert wire(m.LLMFunctionCallStarted(data=m.LLMFunctionCallStartedData("f")))["data"] == {"function_name": "f"}
    assert wire(m.LLMFunctionCallInProgress(data=m.LLMFunctionCallInProgressData("T"))) == {
        "label": LABEL,
        "type": "llm-function-call-in-progress",
        "data": {"tool_call_id": "T"},
    }
    full = m.LLMFunctionCallInProgressData("T", function_name="f", arguments={"q": None})
    assert wire(m.LLMFunctionCallInProgress(data=full))["data"] == {
        "tool_call_id": "T",
        "function_name": "f",
        "arguments": {"q": None},
    }
    assert wire(m.LLMFunctionCallStopped(data=m.LLMFunctionCallStoppedData("T", cancelled=False))) == {
        "label": LABEL,
        "type": "llm-function-call-stopped",
        "data": {"tool_call_id": "T", "cancelled": False},
    }
    stopped = m.LLMFunctionCallStoppedData("T", True, function_name="f", result={"ok": 1})
    assert wire(m.LLMFunctionCallStopped(data=stopped))["data"] == {
        "tool_call_id": "T",
        "cancelled": True,
        "function_name": "f",
        "result": {"ok": 1},
    }
    legacy = m.LLMFunctionCall(data=m.LLMFunctionCallData(function_name="f", tool_call_id="T", args=None))
    assert wire(legacy) == {
        "label": LABEL,
        "type": "llm-function-call",
        "data": {"function_name": "f", "tool_call_id": "T", "args": None},
    }


def test_no_id_except_responses_and_roundtrip():
    samples = [
        m.BotReady(id="a", data=m.BotReadyData("2.1.0")),
        m.ServerResponse(id="b", data=m.ServerResponseData("t")),
        m.ErrorResponse(id="c", data=m.ErrorResponseData("e")),
        m.ErrorMessage(data=m.ErrorData("e")),
        m.BotLLMText(data=m.TextData("x")),
        m.BotOutput(data=m.BotOutputData(text="x", output_type="sentence", will_be_spoken=False)),
        m.BotReady(id="d", data=m.BotReadyData("2.2.0", capabilities=m.BotCapabilities(audio_in=True))),
        m.UserInput(data=m.UserInputData(text="x", input_type="chat", timestamp="T", final=True)),
        m.BotLLMSearchResponse(data=m.BotLLMSearchResponseData(origins=[])),
        m.BotTTSAudio(data=m.AudioData("AAA=", 24000, 1)),
        *(cls() for cls in PAYLOADLESS.values()),
    ]
    for msg in samples:
        out = wire(msg)
        assert out["label"] == LABEL
        assert ("id" in out) == (out["type"] in {"bot-ready", "server-response", "error-response"})
        assert None not in out.values()
        assert m.decode_outbound(encode(msg)) == msg


def test_label_is_always_encoded_and_constructor_is_keyword_only():
    with pytest.raises(TypeError):
        m.BotLLMText(m.TextData("x"))  # type: ignore[misc]
    assert json.loads(encode(m.BotInterrupted()))["label"] == LABEL


def test_decode_outbound_rejects_unknown_type():
    with pytest.raises(msgspec.ValidationError):
        m.decode_outbound(b'{"type":"nope","label":"rtvi-ai"}')
