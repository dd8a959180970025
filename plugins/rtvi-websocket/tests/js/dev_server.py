"""Throwaway RTVI WebSocket server used only to prove the Node e2e harness works.

Speaks the spec §15.1 wire format (binary protobuf ``pipecat.Frame``) over a
minimal hand-written RFC 6455 server on anyio, plus ``POST /start`` returning
``{"wsUrl": ...}`` on the same port. Not the real plugin; no dependencies
beyond anyio + msgspec.

Run: ``python dev_server.py [--port N]``; prints ``LISTENING <port>`` on stdout.
"""

from __future__ import annotations

import argparse
import array
import base64
import hashlib
import math
import struct
import sys

import anyio
import msgspec
from anyio.abc import SocketStream
from anyio.streams.buffered import BufferedByteReceiveStream

WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OUT_RATE = 24_000
CHUNK_MS = 40
TURN_CHUNKS = 10


def log(*args: object) -> None:
    print("dev_server:", *args, file=sys.stderr, flush=True)


# --- protobuf (just the fields we need) -------------------------------------


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


def fields(buf: bytes) -> dict[int, bytes | int]:
    """Top-level fields of a protobuf message (last occurrence wins)."""
    out: dict[int, bytes | int] = {}
    pos = 0
    while pos < len(buf):
        tag, pos = read_varint(buf, pos)
        num, wire = tag >> 3, tag & 7
        if wire == 0:
            out[num], pos = read_varint(buf, pos)
        elif wire == 2:
            n, pos = read_varint(buf, pos)
            out[num] = buf[pos : pos + n]
            pos += n
        else:
            raise ValueError(f"unsupported wire type {wire}")
    return out


def ld(field_no: int, payload: bytes) -> bytes:
    return varint(field_no << 3 | 2) + varint(len(payload)) + payload


def message_frame(msg: dict) -> bytes:
    return ld(4, ld(1, msgspec.json.encode(msg)))


def audio_frame(frame_id: int, pcm: bytes) -> bytes:
    inner = (
        b"\x08" + varint(frame_id)
        + ld(2, f"OutputAudioRawFrame#{frame_id}".encode())
        + ld(3, pcm)
        + b"\x20" + varint(OUT_RATE)
        + b"\x28" + varint(1)
    )
    return ld(2, inner)


def tone_chunk(index: int) -> bytes:
    n = OUT_RATE * CHUNK_MS // 1000
    start = index * n
    return b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * (start + i) / OUT_RATE)))
        for i in range(n)
    )


# --- WebSocket ---------------------------------------------------------------


class WebSocket:
    def __init__(self, stream: SocketStream, reader: BufferedByteReceiveStream) -> None:
        self._stream = stream
        self._reader = reader
        self._lock = anyio.Lock()

    async def send(self, opcode: int, payload: bytes) -> None:
        n = len(payload)
        if n < 126:
            header = struct.pack("!BB", 0x80 | opcode, n)
        elif n < 1 << 16:
            header = struct.pack("!BBH", 0x80 | opcode, 126, n)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 127, n)
        async with self._lock:
            await self._stream.send(header + payload)

    async def send_rtvi(self, msg: dict) -> None:
        await self.send(0x2, message_frame({"label": "rtvi-ai", **msg}))

    async def receive(self) -> tuple[int, bytes]:
        """Next complete data message (opcode, payload); answers pings itself."""
        parts: list[bytes] = []
        first_opcode = 0
        while True:
            b0, b1 = await self._reader.receive_exactly(2)
            opcode, n = b0 & 0x0F, b1 & 0x7F
            if n == 126:
                (n,) = struct.unpack("!H", await self._reader.receive_exactly(2))
            elif n == 127:
                (n,) = struct.unpack("!Q", await self._reader.receive_exactly(8))
            mask = await self._reader.receive_exactly(4) if b1 & 0x80 else b"\0\0\0\0"
            data = await self._reader.receive_exactly(n) if n else b""
            payload = bytes(c ^ mask[i & 3] for i, c in enumerate(data))
            if opcode == 0x9:
                await self.send(0xA, payload)
                continue
            if opcode == 0x8:
                return opcode, payload
            if opcode:
                first_opcode = opcode
            parts.append(payload)
            if b0 & 0x80:
                return first_opcode, b"".join(parts)

    async def close(self, code: int = 1000) -> None:
        await self.send(0x8, struct.pack("!H", code))
        await self._stream.aclose()


# --- HTTP + RTVI -------------------------------------------------------------


async def handle(stream: SocketStream) -> None:
    reader = BufferedByteReceiveStream(stream)
    try:
        head = await reader.receive_until(b"\r\n\r\n", 65536)
    except (anyio.EndOfStream, anyio.IncompleteRead):
        return
    request_line, *header_lines = head.decode("latin-1").split("\r\n")
    method, path, _ = request_line.split(" ", 2)
    headers = {k.strip().lower(): v.strip() for k, v in (h.split(":", 1) for h in header_lines if ":" in h)}
    cors = "Access-Control-Allow-Origin: *\r\nAccess-Control-Allow-Headers: *\r\n"
    if method == "OPTIONS":
        await stream.send(f"HTTP/1.1 204 No Content\r\n{cors}Content-Length: 0\r\n\r\n".encode())
    elif method == "POST" and path.startswith("/start"):
        body = await reader.receive_exactly(int(headers.get("content-length", "0")))
        log("POST /start body", body.decode())
        reply = msgspec.json.encode({"wsUrl": f"ws://{headers['host']}/ws"})
        await stream.send(
            f"HTTP/1.1 200 OK\r\n{cors}Content-Type: application/json\r\n"
            f"Content-Length: {len(reply)}\r\nConnection: close\r\n\r\n".encode() + reply
        )
    elif headers.get("upgrade", "").lower() == "websocket":
        accept = base64.b64encode(hashlib.sha1(headers["sec-websocket-key"].encode() + WS_GUID).digest())
        await stream.send(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n"
        )
        log("websocket open", path)
        await session(WebSocket(stream, reader))
        return
    else:
        await stream.send(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
    await stream.aclose()


async def bot_turn(ws: WebSocket, text: str) -> None:
    await ws.send_rtvi({"type": "user-llm-text", "data": {"text": text}})
    await ws.send_rtvi({"type": "bot-llm-started"})
    await ws.send_rtvi({"type": "bot-llm-text", "data": {"text": "Hi there."}})
    await ws.send_rtvi({"type": "bot-llm-stopped"})
    await ws.send_rtvi({"type": "bot-tts-started"})
    await ws.send_rtvi({"type": "bot-started-speaking"})
    for i in range(TURN_CHUNKS):
        await ws.send(0x2, audio_frame(i + 1, tone_chunk(i)))
        await anyio.sleep(CHUNK_MS / 1000)
    await ws.send_rtvi({"type": "bot-tts-text", "data": {"text": "Hi there."}})
    await ws.send_rtvi({"type": "bot-tts-stopped"})
    await ws.send_rtvi({"type": "bot-stopped-speaking"})


async def session(ws: WebSocket) -> None:
    audio_in = {"frames": 0, "bytes": 0, "sample_rate": None, "peak": 0}
    async with anyio.create_task_group() as tg:
        try:
            while True:
                opcode, payload = await ws.receive()
                if opcode == 0x8:
                    log("client closed")
                    break
                if opcode != 0x2:
                    log("non-binary frame, closing (as Pipecat would)")
                    break
                frame = fields(payload)
                if 2 in frame:
                    audio = fields(frame[2])
                    audio_in["frames"] += 1
                    pcm = audio.get(3, b"")
                    audio_in["bytes"] += len(pcm)
                    if pcm:
                        audio_in["peak"] = max(audio_in["peak"], *map(abs, array.array("h", pcm)))
                    audio_in["sample_rate"] = audio.get(4)
                    continue
                if 4 not in frame:
                    log("unknown frame", frame.keys())
                    continue
                msg = msgspec.json.decode(fields(frame[4])[1])
                log("rtvi <-", msg.get("type"), msg.get("data"))
                kind, msg_id = msg.get("type"), msg.get("id")
                if kind == "client-ready":
                    await ws.send_rtvi({"type": "bot-ready", "id": msg_id,
                                        "data": {"version": "2.1.0", "about": {"library": "rtvi-dev-server"}}})
                elif kind == "send-text":
                    tg.start_soon(bot_turn, ws, msg["data"]["content"])
                elif kind == "client-message":
                    data = msg["data"]
                    await ws.send_rtvi({"type": "server-response", "id": msg_id,
                                        "data": {"t": data["t"], "d": {"pong": data.get("d")}}})
                elif kind == "disconnect-bot":
                    break
                else:
                    await ws.send_rtvi({"type": "error-response", "id": msg_id,
                                        "data": {"error": f"Unsupported type {kind}"}})
        except (anyio.EndOfStream, anyio.IncompleteRead, anyio.BrokenResourceError):
            log("connection lost")
        tg.cancel_scope.cancel()
    log("client audio in:", audio_in)
    try:
        await ws.close()
    except (anyio.BrokenResourceError, anyio.ClosedResourceError):
        pass


async def main(port: int) -> None:
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=port)
    bound = listener.extra(anyio.abc.SocketAttribute.local_port)
    print(f"LISTENING {bound}", flush=True)
    await listener.serve(handle)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    anyio.run(main, parser.parse_args().port)
