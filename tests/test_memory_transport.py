"""MemoryTransport and its client: messages through the JSON serializer, audio, events."""

from __future__ import annotations

from typing import Any

import pytest

from rtvi_core.builtins import JSONFrameSerializer, MemoryTransport
from rtvi_core.direction import FrameDirection
from rtvi_core.frames import (
    ClientConnectedFrame,
    EndFrame,
    InputAudioRawFrame,
    InputTransportMessageFrame,
    InputTransportStartAudioStreamingFrame,
    InterimTranscriptionFrame,
    OutputTransportMessageUrgentFrame,
    TranscriptionFrame,
)
from rtvi_core.params import PipelineParams
from rtvi_core.pipeline import Pipeline
from rtvi_core.rtvi.messages import ServerMessage
from rtvi_core.services import TransportParams
from rtvi_core.task import PipelineTask
from rtvi_core.testing import FrameRecorder, running

pytestmark = pytest.mark.anyio

UP = FrameDirection.UPSTREAM


def make(enable_rtvi: bool = False, **params: Any):
    transport = MemoryTransport(params=TransportParams(**params))
    before, after = FrameRecorder(), FrameRecorder()
    task = PipelineTask(
        Pipeline([before, transport.input(), after, transport.output()]),
        params=PipelineParams(send_initial_empty_metrics=False),
        enable_rtvi=enable_rtvi,
    )
    return transport, task, before, after


async def test_client_messages_go_both_ways_and_bad_json_is_dropped():
    transport, task, before, after = make()
    client = transport.client

    async with running(task):
        await client.send_raw("{not json")
        await client.send_raw(b"[1, 2]")
        await client.send_message({"label": "rtvi-ai", "type": "client-message", "id": "1"})
        await after.wait_for(lambda: len(after.of(InputTransportMessageFrame)) == 2)
    assert [f.message for f in after.of(InputTransportMessageFrame)] == [
        [1, 2],
        {"label": "rtvi-ai", "type": "client-message", "id": "1"},
    ]
    assert [f.message for f in before.of(InputTransportMessageFrame, UP)] == [
        [1, 2],
        {"label": "rtvi-ai", "type": "client-message", "id": "1"},
    ]


async def test_rtvi_handshake_over_the_memory_client_survives_invalid_json():
    transport, task, _, _ = make(enable_rtvi=True)
    client = transport.client

    async with running(task):
        await client.connect()
        await client.send_raw("definitely { not json")
        await client.send_message(
            {
                "label": "rtvi-ai",
                "type": "client-ready",
                "id": "r1",
                "data": {"version": "1.2.0", "about": {"library": "test"}},
            }
        )
        ready = await client.wait_for_message("bot-ready")
        assert ready["id"] == "r1"
    assert client.messages_of("bot-ready")[0]["label"] == "rtvi-ai"


async def test_output_messages_are_json_for_dicts_and_structs():
    transport, task, _, _ = make()
    client = transport.client

    async with running(task):
        await task.queue_frames(
            [
                OutputTransportMessageUrgentFrame(message={"type": "custom", "n": 1}),
                OutputTransportMessageUrgentFrame(message=ServerMessage(data={"x": 1})),
            ]
        )
        await client.wait_for_message("server-message")
    assert client.messages[0] == {"type": "custom", "n": 1}
    assert client.messages[1] == {"label": "rtvi-ai", "type": "server-message", "data": {"x": 1}}
    assert [kind for kind, _ in client.events[:2]] == ["message", "message"]


async def test_connect_disconnect_events_and_transcriptions():
    transport, task, _, after = make()
    client = transport.client
    seen: list[tuple[str, Any]] = []

    @transport.event_handler("on_client_connected")
    async def on_connected(t, c):
        seen.append(("connected", c))

    @transport.event_handler("on_client_disconnected")
    async def on_disconnected(t, c):
        seen.append(("disconnected", c))

    async with running(task):
        await client.connect()
        await client.send_transcription("hel", final=False, user_id="u1")
        await client.send_transcription("hello", user_id="u1", timestamp="t0")
        await after.wait_for(lambda: bool(after.of(TranscriptionFrame)))
        await client.disconnect()
    assert seen == [("connected", client), ("disconnected", client)]
    assert len(after.of(ClientConnectedFrame)) == 1
    interim = after.of(InterimTranscriptionFrame)
    final = after.of(TranscriptionFrame)
    assert [(f.text, f.user_id) for f in interim] == [("hel", "u1")]
    assert [(f.text, f.user_id, f.timestamp) for f in final] == [("hello", "u1", "t0")]


async def test_audio_in_only_when_enabled():
    pcm = b"\x00\x01" * 320
    for enabled in (False, True):
        transport, task, _, after = make(audio_in_enabled=enabled)

        async with running(task):
            await transport.client.send_audio(pcm, sample_rate=16000)
            await transport.client.send_transcription("marker")
            await after.wait_for(lambda: bool(after.of(TranscriptionFrame)))  # noqa: B023 (used at once)
        frames = after.of(InputAudioRawFrame)
        assert [(f.audio, f.sample_rate, f.num_channels) for f in frames] == ([(pcm, 16000, 1)] if enabled else [])


async def test_audio_waits_for_start_streaming_frame_when_asked():
    transport, task, _, after = make(audio_in_enabled=True, audio_in_stream_on_start=False)
    client = transport.client

    async with running(task):
        await client.send_audio(b"\x00\x00" * 320)
        # The marker passes the input transport after it has handled the start frame.
        await task.queue_frames([InputTransportStartAudioStreamingFrame(), TranscriptionFrame(text="marker")])
        await after.wait_for(lambda: bool(after.of(TranscriptionFrame)))
        await client.send_audio(b"\x01\x00" * 320)
    assert [f.audio[:2] for f in after.of(InputAudioRawFrame)] == [b"\x01\x00"]
    assert not after.of(InputTransportStartAudioStreamingFrame)


async def test_end_frame_closes_the_client_and_wait_helpers_time_out():
    transport, task, _, _ = make()
    client = transport.client

    async with running(task):
        with pytest.raises(TimeoutError, match="bot-ready"):
            await client.wait_for_message("bot-ready", timeout=0.01)
        await task.queue_frame(EndFrame())
        await client.wait_closed()
        with pytest.raises(ConnectionError):
            await client.send_message({"type": "late"})
    assert client.closed and task.has_finished()


def test_json_serializer_round_trip_and_rejects():
    serializer = JSONFrameSerializer()
    frame = serializer.deserialize('{"a": [1, "b"]}')
    assert isinstance(frame, InputTransportMessageFrame) and frame.message == {"a": [1, "b"]}
    assert serializer.deserialize("{oops") is None
    assert serializer.deserialize(b"\xff\xfe") is None
    assert serializer.deserialize("[" * 1000 + "]" * 1000) is None  # nested deeper than MAX_JSON_DEPTH
    assert serializer.serialize(InputAudioRawFrame(b"", 16000, 1)) is None
    urgent = OutputTransportMessageUrgentFrame(message={"k": "v"})
    assert serializer.serialize(urgent) == '{"k":"v"}'
