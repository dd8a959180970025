"""An RTVI WebSocket session that also talks with audio: ``client.RTVISession`` plus events.

What the soak and stall benchmarks need beyond request -> reply (standard library only):

* :meth:`VoiceSession.wait_for`: the next server message of a type (``user-stopped-speaking``,
  ``bot-stopped-speaking``...), counted from a mark taken before the request;
* :meth:`VoiceSession.send_audio`: one protobuf ``AudioRawFrame`` of microphone PCM;
  :func:`tone` / :func:`silence` make 16 kHz frames the energy VAD hears as speech / not;
* :meth:`VoiceSession.reset`: an abrupt disconnect, a TCP reset (``SO_LINGER`` 0), as a
  client that crashes or loses its network does.
"""

from __future__ import annotations

import asyncio
import math
import socket
import struct

from client import RTVISession, ServerError
from wire import encode_audio

#: Microphone audio: 16 kHz mono, 20 ms frames.
RATE = 16000
FRAME_SECS = 0.02
FRAME_SAMPLES = int(RATE * FRAME_SECS)


def tone(frames: int, hz: float = 220.0, level: float = 0.3) -> list[bytes]:
    """``frames`` 20 ms frames of a sine (~ -13 dBFS: speech to the energy VAD)."""
    samples = [int(level * 32767 * math.sin(2 * math.pi * hz * i / RATE)) for i in range(FRAME_SAMPLES * frames)]
    pcm = struct.pack(f"<{len(samples)}h", *samples)
    step = FRAME_SAMPLES * 2
    return [pcm[i : i + step] for i in range(0, len(pcm), step)]


def silence(frames: int) -> list[bytes]:
    """``frames`` 20 ms frames of digital silence."""
    return [bytes(FRAME_SAMPLES * 2)] * frames


class VoiceSession(RTVISession):
    """:class:`client.RTVISession` that can wait for server messages, send audio and reset.

    ``other_messages`` counts the messages that are not replies, by type;
    ``non_message_frames`` counts the rest (the bot's audio).
    """

    def __init__(self, host: str, port: int, path: str) -> None:
        super().__init__(host, port, path)
        self._waiters: list[tuple[str, int, asyncio.Future[dict]]] = []

    def mark(self, type_: str) -> int:
        """How many ``type_`` messages came so far: pass it to :meth:`wait_for`."""
        return self.other_messages[type_]

    async def wait_for(self, type_: str, after: int, timeout: float) -> dict:
        """The first ``type_`` message beyond the ``after``-th (see :meth:`mark`)."""
        if self.other_messages[type_] > after:
            return {"type": type_}
        waiter = asyncio.get_running_loop().create_future()
        entry = (type_, after, waiter)
        self._waiters.append(entry)
        try:
            return await asyncio.wait_for(waiter, timeout)
        except TimeoutError:
            raise ServerError(f"no {type_!r} within {timeout:g} s") from None
        finally:
            if entry in self._waiters:
                self._waiters.remove(entry)

    def send_audio(self, pcm: bytes, sample_rate: int = RATE, channels: int = 1) -> None:
        """One ``AudioRawFrame`` of PCM (no wait: the socket buffers it)."""
        self.send_binary(encode_audio(pcm, sample_rate, channels))

    async def stream(self, frames: list[bytes]) -> None:
        """Send ``frames`` at real time (20 ms apart, on an absolute schedule, as a microphone)."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        for index, pcm in enumerate(frames):
            self.send_audio(pcm)
            delay = start + (index + 1) * FRAME_SECS - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)

    def reset(self) -> None:
        """Drop the connection with a TCP RST (nothing flushed, no close frame)."""
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        for _, _, waiter in self._waiters:
            if not waiter.done():
                waiter.set_exception(ServerError(f"connection lost ({self.close_reason or exc or 'closed'})"))

    def _on_message(self, frame: bytes, received: int) -> None:
        super()._on_message(frame, received)  # counts it in other_messages unless it is a reply
        for wanted, after, waiter in self._waiters:
            if self.other_messages[wanted] > after and not waiter.done():
                waiter.set_result({"type": wanted})
