"""``ProtobufFrameSerializer``: what goes on the wire, what comes off it, and the plugin."""

from __future__ import annotations

import logging
from importlib.metadata import entry_points
from typing import Any

import msgspec
import pytest
from rtvi_websocket import ProtobufFrameSerializer, plugin
from rtvi_websocket.protobuf import (
    PbAudioRawFrame,
    PbMessageFrame,
    PbTextFrame,
    PbTranscriptionFrame,
    decode_frame,
    encode_audio,
    encode_frame,
    encode_message,
)

from rtvi_core import Pipeline, PipelineTask
from rtvi_core.builtins.memory_transport import MemoryTransport
from rtvi_core.direction import FrameDirection
from rtvi_core.frames import (
    BotStartedSpeakingFrame,
    EndFrame,
    Frame,
    InputAudioRawFrame,
    InputTransportMessageFrame,
    InterruptionFrame,
    OutputAudioRawFrame,
    OutputTransportMessageFrame,
    OutputTransportMessageUrgentFrame,
    StartFrame,
    TextFrame,
    TranscriptionFrame,
    TTSAudioRawFrame,
)
from rtvi_core.plugins import PluginManager
from rtvi_core.processor import FrameProcessor
from rtvi_core.rtvi.messages import MAX_JSON_CONTAINERS, MAX_JSON_DEPTH, MAX_TEXT_CHARS
from rtvi_core.rtvi.messages.outbound import BotLLMText, TextData
from rtvi_core.services.transport_params import TransportParams
from rtvi_core.testing import eventually, running

LOGGER = "rtvi.websocket.serializer"


def message_bytes(message: Any) -> bytes:
    return encode_message(msgspec.json.encode(message))


# -- serialize -----------------------------------------------------------------------------


def test_transport_messages_become_message_frames_with_their_json() -> None:
    serializer = ProtobufFrameSerializer()
    struct = BotLLMText(data=TextData("Hello"))
    payload = serializer.serialize(OutputTransportMessageUrgentFrame(message=struct))
    json = b'{"type":"bot-llm-text","label":"rtvi-ai","data":{"text":"Hello"}}'
    assert payload == bytes([0x22, len(json) + 2, 0x0A, len(json)]) + json
    plain = {"label": "rtvi-ai", "type": "server-message", "data": {"x": [1, None, "é"]}}
    payload = serializer.serialize(OutputTransportMessageFrame(message=plain))
    assert msgspec.json.decode(decode_frame(payload).data) == plain  # type: ignore[union-attr,arg-type]


def test_a_message_that_is_not_json_is_not_sent(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger=LOGGER):
        assert ProtobufFrameSerializer().serialize(OutputTransportMessageFrame(message={"x": object()})) is None
    assert "not JSON-serializable" in caplog.text


def test_output_audio_becomes_an_audio_frame_with_id_and_name() -> None:
    serializer = ProtobufFrameSerializer()
    for frame in (OutputAudioRawFrame(b"\x01\x00" * 960, 24000, 1), TTSAudioRawFrame(b"\x02\x00" * 4, 24000, 1)):
        assert decode_frame(serializer.serialize(frame)) == PbAudioRawFrame(  # type: ignore[arg-type]
            frame.id, frame.name, frame.audio, 24000, 1
        )
    # The exact layout the stock client reads: name, audio, rate, channels after the id.
    frame = OutputAudioRawFrame(b"\x00\x00", 24000, 1)
    assert serializer.serialize(frame) == encode_audio(b"\x00\x00", 24000, 1, id=frame.id, name=frame.name)


def test_interruptions_are_sent_only_when_asked() -> None:
    assert ProtobufFrameSerializer().serialize(InterruptionFrame()) is None
    assert ProtobufFrameSerializer(send_interruptions=True).serialize(InterruptionFrame()) == b"\x2a\x00"


@pytest.mark.parametrize(
    "frame",
    [
        TextFrame("hi"),
        TranscriptionFrame("hi"),
        EndFrame(),
        StartFrame(),
        BotStartedSpeakingFrame(),
        InputAudioRawFrame(b"\x00\x00", 16000, 1),
    ],
)
def test_other_frames_are_not_sent(frame: Frame) -> None:
    assert ProtobufFrameSerializer(send_interruptions=True).serialize(frame) is None


# -- deserialize ---------------------------------------------------------------------------


def test_a_message_becomes_an_input_transport_message_with_the_json_value() -> None:
    ready = {"label": "rtvi-ai", "type": "client-ready", "id": "1", "data": {"version": "2.1.0"}}
    frame = ProtobufFrameSerializer().deserialize(message_bytes(ready))
    assert isinstance(frame, InputTransportMessageFrame) and frame.message == ready
    frame = ProtobufFrameSerializer().deserialize(bytearray(encode_message("[1, 2]")))
    assert isinstance(frame, InputTransportMessageFrame) and frame.message == [1, 2]


def test_client_audio_becomes_input_audio() -> None:
    serializer = ProtobufFrameSerializer()
    pcm = bytes(range(256)) * 2
    frame = serializer.deserialize(encode_audio(pcm, 16000, 1, name="audio"))
    assert isinstance(frame, InputAudioRawFrame)
    assert (frame.audio, frame.sample_rate, frame.num_channels) == (pcm, 16000, 1)


@pytest.mark.anyio
async def test_client_audio_is_trimmed_to_whole_samples_and_defaults_to_the_run_rate() -> None:
    serializer = ProtobufFrameSerializer()
    await serializer.setup(StartFrame(audio_in_sample_rate=8000))
    frame = serializer.deserialize(encode_audio(b"\x01\x02\x03", 0, 0))
    assert isinstance(frame, InputAudioRawFrame)
    assert (frame.audio, frame.sample_rate, frame.num_channels) == (b"\x01\x02", 8000, 1)
    frame = serializer.deserialize(encode_audio(b"\x01\x02\x03\x04\x05\x06", 48000, 2))
    assert isinstance(frame, InputAudioRawFrame) and frame.audio == b"\x01\x02\x03\x04"
    assert serializer.deserialize(encode_audio(b"\x01", 16000, 1)) is None
    assert serializer.deserialize(encode_audio(b"", 16000, 1)) is None
    assert serializer.malformed_count == 0


def test_text_transcription_and_interruption_frames() -> None:
    serializer = ProtobufFrameSerializer()
    text = serializer.deserialize(encode_frame(PbTextFrame(id=4, name="x", text="hello")))
    assert type(text) is TextFrame and text.text == "hello"
    transcription = serializer.deserialize(
        encode_frame(PbTranscriptionFrame(text="hi there", user_id="u7", timestamp="2026-11-23T22:00:00Z"))
    )
    assert isinstance(transcription, TranscriptionFrame)
    assert (transcription.text, transcription.user_id, transcription.timestamp) == (
        "hi there",
        "u7",
        "2026-11-23T22:00:00Z",
    )
    assert isinstance(serializer.deserialize(b"\x2a\x00"), InterruptionFrame)


def test_empty_and_unknown_members_are_dropped_and_counted_with_a_reason() -> None:
    serializer = ProtobufFrameSerializer()
    assert serializer.deserialize(b"") is None
    assert serializer.deserialize(b"\x32\x01\x00") is None  # a field-6 member from a newer schema
    assert serializer.malformed_count == 2
    assert serializer.last_error == "an empty frame, or one with no field this server knows (ignored)"


def test_malformed_payloads_are_dropped_counted_and_logged_sparingly(caplog: pytest.LogCaptureFixture) -> None:
    serializer = ProtobufFrameSerializer()
    bad = [
        "a text payload",
        b"\x22\x05\x0a\x03ab",  # truncated
        b"\x0e\x00",  # wire type 6
        encode_message("{not json"),
        encode_message(b'{"a":"\xff"}'),  # invalid UTF-8
    ]
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        for payload in bad:
            assert serializer.deserialize(payload) is None
        for _ in range(11):
            assert serializer.deserialize(b"\x80") is None
    assert serializer.malformed_count == 16
    warnings = [r.getMessage() for r in caplog.records if r.name == LOGGER]
    assert len(warnings) == 5  # the 1st, 2nd, 4th, 8th and 16th
    assert "text payload" in warnings[0] and "malformed protobuf" in warnings[1]
    assert "(16 malformed so far)" in warnings[-1]
    # Still working afterwards.
    assert isinstance(serializer.deserialize(encode_message("{}")), InputTransportMessageFrame)


def test_audio_in_a_format_no_client_may_send_is_malformed() -> None:
    serializer = ProtobufFrameSerializer()
    assert serializer.deserialize(encode_audio(bytes(6400), 1, 1)) is None
    assert serializer.last_error.startswith("audio frame: sample_rate 1 is not supported (expected one of 8000, 11025")
    assert serializer.deserialize(encode_audio(bytes(6400), 16000, 3)) is None
    assert serializer.last_error == "audio frame: num_channels 3 is not supported (expected 1 to 2)"
    assert serializer.malformed_count == 2


def test_text_and_transcriptions_longer_than_the_text_limit_are_malformed() -> None:
    serializer = ProtobufFrameSerializer()
    longest = "a" * MAX_TEXT_CHARS
    assert serializer.deserialize(encode_frame(PbTextFrame(text=longest))).text == longest
    assert serializer.deserialize(encode_frame(PbTextFrame(text=longest + "a"))) is None
    assert serializer.last_error == f"a text frame longer than {MAX_TEXT_CHARS} characters"
    assert serializer.deserialize(encode_frame(PbTranscriptionFrame(text=longest + "a"))) is None
    assert serializer.last_error == f"a transcription frame longer than {MAX_TEXT_CHARS} characters"
    assert serializer.malformed_count == 2


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 1000, 30_000])
def test_json_nested_deeper_than_the_limit_is_malformed(depth: int) -> None:
    serializer = ProtobufFrameSerializer()
    limit = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert isinstance(serializer.deserialize(encode_message(limit)), InputTransportMessageFrame)
    assert serializer.deserialize(encode_message("[" * depth + "]" * depth)) is None
    assert (
        serializer.last_error == f"message data: JSON nested deeper than {MAX_JSON_DEPTH} levels of arrays and objects"
    )


def test_json_with_more_containers_than_the_limit_is_malformed() -> None:
    serializer = ProtobufFrameSerializer()
    most = "[" + ",".join(["[]"] * (MAX_JSON_CONTAINERS - 1)) + "]"
    assert isinstance(serializer.deserialize(encode_message(most)), InputTransportMessageFrame)
    assert serializer.deserialize(encode_message(most[:-1] + ",{}]")) is None
    assert serializer.last_error == (
        f"message data: JSON with more than {MAX_JSON_CONTAINERS} `[` and `{{` (arrays, objects, or in strings)"
    )


# -- in a running pipeline -----------------------------------------------------------------


class WireSink(FrameProcessor):
    """Stands in for the socket writer: serializes every frame reaching it, keeps the bytes."""

    def __init__(self, serializer: ProtobufFrameSerializer) -> None:
        super().__init__()
        self.serializer = serializer
        self.sent: list[bytes] = []
        self.frames: list[Frame] = []

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if direction is FrameDirection.DOWNSTREAM:
            self.frames.append(frame)
            payload = self.serializer.serialize(frame)
            if payload is not None:
                self.sent.append(payload)
        await self.push_frame(frame, direction)

    def messages(self) -> list[Any]:
        return [msgspec.json.decode(pb.data) for pb in map(decode_frame, self.sent) if isinstance(pb, PbMessageFrame)]


@pytest.mark.anyio
async def test_a_protobuf_client_gets_bot_ready_and_its_audio_reaches_the_pipeline() -> None:
    serializer = ProtobufFrameSerializer()
    transport = MemoryTransport(TransportParams(audio_in_enabled=True), serializer=serializer)
    sink = WireSink(serializer)
    task = PipelineTask(Pipeline([transport.input(), sink]))
    async with running(task):
        ready = {
            "label": "rtvi-ai",
            "type": "client-ready",
            "id": "c1",
            "data": {"version": "2.1.0", "about": {"library": "@pipecat-ai/client-js"}},
        }
        await transport.client.send_raw(message_bytes(ready))  # first message, then audio at once
        pcm = bytes(range(256)) * 2
        await transport.client.send_raw(encode_audio(pcm, 16000, 1, name="audio"))
        await transport.client.send_raw(b"\xff")  # garbage is dropped, the session goes on
        await eventually(lambda: any(m.get("type") == "bot-ready" for m in sink.messages()))
        await eventually(lambda: any(isinstance(f, InputAudioRawFrame) for f in sink.frames))
        await task.queue_frames([TTSAudioRawFrame(b"\x05\x00" * 960, 24000, 1)])
        await eventually(lambda: any(type(decode_frame(p)) is PbAudioRawFrame for p in sink.sent))
    (bot_ready,) = [m for m in sink.messages() if m["type"] == "bot-ready"]
    assert bot_ready["id"] == "c1" and bot_ready["label"] == "rtvi-ai"
    (audio_in,) = [f for f in sink.frames if isinstance(f, InputAudioRawFrame)]
    assert (audio_in.audio, audio_in.sample_rate, audio_in.num_channels) == (pcm, 16000, 1)
    (audio_out,) = [pb for pb in map(decode_frame, sink.sent) if type(pb) is PbAudioRawFrame]
    assert (audio_out.audio, audio_out.sample_rate, audio_out.num_channels) == (b"\x05\x00" * 960, 24000, 1)
    assert audio_out.name.startswith("TTSAudioRawFrame#")
    assert serializer.malformed_count == 1


# -- the plugin ----------------------------------------------------------------------------


def test_the_entry_point_names_the_plugin_module() -> None:
    (found,) = entry_points(group="rtvi", name="websocket")
    assert found.load() is plugin
    assert found.dist is not None and found.dist.name == "rtvi-websocket"


@pytest.mark.rtvi_plugins
def test_rtvi_core_finds_the_protobuf_serializer_by_name() -> None:
    manager = PluginManager(allow=["websocket"])
    assert manager.failures == []
    serializer = manager.registry.get("serializers", "protobuf").create({"send_interruptions": True})
    assert isinstance(serializer, ProtobufFrameSerializer) and serializer.send_interruptions
    assert manager.registry.get("serializers", "protobuf").create({}).send_interruptions is False
    with pytest.raises(Exception, match="send_interuptions"):
        manager.registry.get("serializers", "protobuf").create({"send_interuptions": True})
