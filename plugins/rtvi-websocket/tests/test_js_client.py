"""Cross-check against the stock client's own protobuf code (``@pipecat-ai/websocket-transport``).

``js/crosscheck.mjs`` encodes a ``client-ready`` message and a 512-byte audio chunk
exactly as the stock transport sends them, and decodes frames we produce through the
client's own deserializer. The npm packages are installed once into
``js/node_modules`` (git-ignored) from the pinned ``js/package-lock.json``.
"""

from __future__ import annotations

import json
import subprocess
from typing import Any

import msgspec
import pytest
from js_support import JS, stock_client_node
from rtvi_websocket import ProtobufFrameSerializer
from rtvi_websocket.protobuf import PbAudioRawFrame, PbMessageFrame, decode_frame, encode_audio, encode_message

from rtvi_core.frames import (
    InputAudioRawFrame,
    InputTransportMessageFrame,
    InterruptionFrame,
    OutputAudioRawFrame,
    OutputTransportMessageUrgentFrame,
)
from rtvi_core.rtvi.messages.outbound import BotLLMText, BotReady, BotReadyData, TextData


@pytest.fixture(scope="module")
def stock_client() -> Any:
    """Runs the script; returns ``run(frames_to_decode) -> its JSON output``."""
    node = stock_client_node()

    def run(frames: list[bytes]) -> Any:
        done = subprocess.run(
            [node, "crosscheck.mjs"],
            cwd=JS,
            input=json.dumps({"decode": [f.hex() for f in frames]}),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    return run


def test_our_encoding_of_the_clients_frames_is_byte_identical(stock_client: Any) -> None:
    out = stock_client([])
    for key in ("client_ready", "message"):  # the message JSON, as the client stringified it
        assert encode_message(out[key]["json"]).hex() == out[key]["hex"]
    pcm = bytes.fromhex(out["audio"]["pcm"])
    assert len(pcm) == 512
    assert encode_audio(pcm, 16000, 1, name="audio").hex() == out["audio"]["hex"]


def test_we_decode_what_the_client_sends(stock_client: Any) -> None:
    out = stock_client([])
    serializer = ProtobufFrameSerializer()
    ready = serializer.deserialize(bytes.fromhex(out["client_ready"]["hex"]))
    assert isinstance(ready, InputTransportMessageFrame)
    assert ready.message == json.loads(out["client_ready"]["json"])
    assert ready.message["type"] == "client-ready" and ready.message["data"]["version"] == "2.1.0"
    custom = serializer.deserialize(bytes.fromhex(out["message"]["hex"]))
    assert isinstance(custom, InputTransportMessageFrame) and "👋" in custom.message["data"]["d"]["text"]
    audio = decode_frame(bytes.fromhex(out["audio"]["hex"]))
    assert audio == PbAudioRawFrame(0, "audio", bytes.fromhex(out["audio"]["pcm"]), 16000, 1)
    frame = serializer.deserialize(bytes.fromhex(out["audio"]["hex"]))
    assert isinstance(frame, InputAudioRawFrame) and (frame.sample_rate, frame.num_channels) == (16000, 1)
    assert serializer.malformed_count == 0


def test_the_client_decodes_what_we_send(stock_client: Any) -> None:
    serializer = ProtobufFrameSerializer(send_interruptions=True)
    bot_ready = BotReady(id="c1", data=BotReadyData(version="2.1.0"))
    long_text = BotLLMText(data=TextData("Ünïcode 👋 " * 2000))  # 3-byte length varints
    plain = {"label": "rtvi-ai", "type": "server-message", "data": {"n": [1, 2.5, None, True]}}
    pcm = bytes((i * 7) & 0xFF for i in range(1920))
    audio = OutputAudioRawFrame(pcm, 24000, 1)
    frames = [
        serializer.serialize(OutputTransportMessageUrgentFrame(message=bot_ready)),
        serializer.serialize(OutputTransportMessageUrgentFrame(message=long_text)),
        serializer.serialize(OutputTransportMessageUrgentFrame(message=plain)),
        serializer.serialize(audio),
        encode_audio(pcm, 24000, 1, id=(1 << 64) - 1, name="x" * 300, pts=123),
        serializer.serialize(InterruptionFrame()),
    ]
    decoded = stock_client(frames)["decoded"]  # type: ignore[arg-type]
    assert decoded[0] == {"type": "message", "message": msgspec.to_builtins(bot_ready)}
    assert decoded[1] == {"type": "message", "message": msgspec.to_builtins(long_text)}
    assert decoded[2] == {"type": "message", "message": plain}
    assert decoded[3] == {"type": "audio", "pcm": pcm.hex()}
    assert decoded[4] == {"type": "audio", "pcm": pcm.hex()}
    # The stock client has no field 5: why send_interruptions is off by default.
    assert decoded[5] == {"error": "Unknown frame kind"}
    assert isinstance(decode_frame(frames[0]), PbMessageFrame)
