"""Micro-benchmark: µs per encode/decode of the WebSocket wire format, ours vs Pipecat's.

Four operations, each through the serializer (frame in/out) and through the bare codec:

* encode a ``bot-llm-text`` message (server → client, once per LLM token),
* decode a ``client-message`` message (client → server),
* encode a 1,920-byte audio chunk (40 ms at 24 kHz: server → client, 25 per second),
* decode a 1,920-byte audio chunk (client → server).

Run with the interpreter that has ``rtvi-websocket`` installed; Pipecat's
``ProtobufFrameSerializer`` (and its ``frames_pb2``) is measured in a second process
under ``--pipecat-python`` (default ``/work/venv-pipecat/bin/python`` when present;
``--no-pipecat`` skips it). Pipecat's serializer is async: its coroutines are driven
by hand, without an event loop, so only the serialization work is timed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

DEFAULT_PIPECAT = Path("/work/venv-pipecat/bin/python")
PCM = bytes((i * 7) & 0xFF for i in range(1920))
TEXT = " there, how"
CLIENT_MESSAGE = {"label": "rtvi-ai", "type": "client-message", "id": "a1b2c3d4", "data": {"t": "ping", "d": {"n": 1}}}
BOT_LLM_TEXT = {"type": "bot-llm-text", "label": "rtvi-ai", "data": {"text": TEXT}}
OPERATIONS = ["message encode", "message decode", "audio encode", "audio decode"]


def measure(fn: Callable[[], Any], repeat: int = 5) -> float:
    """Best-of-``repeat`` µs per call."""
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()
    return min(timer.repeat(repeat, number)) / number * 1e6


def ours() -> dict[str, dict[str, float]]:
    from rtvi_websocket import ProtobufFrameSerializer
    from rtvi_websocket.protobuf import decode_frame, encode_audio, encode_message

    from rtvi_core.frames import OutputAudioRawFrame, OutputTransportMessageUrgentFrame
    from rtvi_core.rtvi.messages.outbound import BotLLMText, TextData

    serializer = ProtobufFrameSerializer()
    message_frame = OutputTransportMessageUrgentFrame(message=BotLLMText(data=TextData(TEXT)))
    audio_frame = OutputAudioRawFrame(PCM, 24000, 1)
    json_text = json.dumps(BOT_LLM_TEXT, separators=(",", ":")).encode()
    client_message = encode_message(json.dumps(CLIENT_MESSAGE))
    client_audio = encode_audio(PCM, 16000, 1, name="audio")
    assert serializer.deserialize(client_message) is not None
    assert serializer.deserialize(client_audio) is not None
    return {
        "serializer": {
            "message encode": measure(lambda: serializer.serialize(message_frame)),
            "message decode": measure(lambda: serializer.deserialize(client_message)),
            "audio encode": measure(lambda: serializer.serialize(audio_frame)),
            "audio decode": measure(lambda: serializer.deserialize(client_audio)),
        },
        "codec": {
            "message encode": measure(lambda: encode_message(json_text)),
            "message decode": measure(lambda: decode_frame(client_message)),
            "audio encode": measure(lambda: encode_audio(PCM, 24000, 1, id=1234, name="OutputAudioRawFrame#1234")),
            "audio decode": measure(lambda: decode_frame(client_audio)),
        },
    }


def pipecat() -> dict[str, dict[str, float]]:
    import logging

    from loguru import logger

    logger.remove()  # its serializer logs every received message at debug level
    logging.disable(logging.CRITICAL)
    import pipecat.frames.protobufs.frames_pb2 as pb
    from pipecat.frames.frames import OutputAudioRawFrame, OutputTransportMessageUrgentFrame
    from pipecat.serializers.protobuf import ProtobufFrameSerializer

    def drive(coro: Any) -> Any:
        try:
            coro.send(None)
        except StopIteration as done:
            return done.value
        raise RuntimeError("the coroutine awaited something")

    serializer = ProtobufFrameSerializer()
    message_frame = OutputTransportMessageUrgentFrame(message=BOT_LLM_TEXT)
    audio_frame = OutputAudioRawFrame(audio=PCM, sample_rate=24000, num_channels=1)
    client_message = pb.Frame(message=pb.MessageFrame(data=json.dumps(CLIENT_MESSAGE))).SerializeToString()
    client_audio = pb.Frame(
        audio=pb.AudioRawFrame(name="audio", audio=PCM, sample_rate=16000, num_channels=1)
    ).SerializeToString()
    json_text = json.dumps(BOT_LLM_TEXT)
    assert drive(serializer.deserialize(client_message)) is not None
    assert drive(serializer.deserialize(client_audio)) is not None
    return {
        "serializer": {
            "message encode": measure(lambda: drive(serializer.serialize(message_frame))),
            "message decode": measure(lambda: drive(serializer.deserialize(client_message))),
            "audio encode": measure(lambda: drive(serializer.serialize(audio_frame))),
            "audio decode": measure(lambda: drive(serializer.deserialize(client_audio))),
        },
        "codec": {
            "message encode": measure(lambda: pb.Frame(message=pb.MessageFrame(data=json_text)).SerializeToString()),
            "message decode": measure(lambda: pb.Frame.FromString(client_message)),
            "audio encode": measure(
                lambda: pb.Frame(
                    audio=pb.AudioRawFrame(
                        id=1234, name="OutputAudioRawFrame#1234", audio=PCM, sample_rate=24000, num_channels=1
                    )
                ).SerializeToString()
            ),
            "audio decode": measure(lambda: pb.Frame.FromString(client_audio)),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pipecat-python", type=Path, default=DEFAULT_PIPECAT)
    parser.add_argument("--no-pipecat", action="store_true")
    parser.add_argument("--side", choices=["ours", "pipecat"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:  # a child process: print one side as JSON
        print(json.dumps(ours() if args.side == "ours" else pipecat()))
        return
    mine = ours()
    theirs = None
    if not args.no_pipecat and args.pipecat_python.exists():
        done = subprocess.run(
            [str(args.pipecat_python), __file__, "--side", "pipecat"], capture_output=True, text=True, check=True
        )
        theirs = json.loads(done.stdout.strip().splitlines()[-1])
    header = f"{'µs per call':<30}{'rtvi-websocket':>16}"
    if theirs:
        header += f"{'Pipecat 1.14':>14}{'ratio':>8}"
    print(header)
    for layer in ("serializer", "codec"):
        for op in OPERATIONS:
            row = f"{layer + ' ' + op:<30}{mine[layer][op]:>16.2f}"
            if theirs:
                row += f"{theirs[layer][op]:>14.2f}{theirs[layer][op] / mine[layer][op]:>7.1f}x"
            print(row)
    if theirs:
        print("ratio: Pipecat time / ours (above 1: ours is faster). Pipecat's codec is upb (C).")


if __name__ == "__main__":
    main()
