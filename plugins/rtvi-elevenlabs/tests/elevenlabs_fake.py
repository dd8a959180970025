"""A fake of ElevenLabs' multi-context TTS WebSocket on 127.0.0.1, written from the API reference.

``GET /v1/text-to-speech/{voice_id}/multi-stream-input?model_id=...&output_format=pcm_<rate>``
with an ``xi-api-key`` header is upgraded to a WebSocket of JSON text messages. A
context opens with its first text message; text is buffered until a message with
``flush: true`` and then spoken word by word: one message per word, a 440 Hz tone of
``word_secs`` as base64 PCM16 in ``audio``, with ``alignment`` and
``normalizedAlignment`` timing the word's characters (and the space after it) from the
start of the message's audio, and the ``contextId``. Audio comes faster than real time
(``chunk_delay`` between messages). ``close_context`` stops the context's generation
and answers ``isFinal``; ``close_socket`` closes the socket.

``fail(...)`` queues faults: :class:`Refuse` answers the next upgrade with an HTTP
status; the others replace the next flushed text's answer.
"""

from __future__ import annotations

import asyncio
import base64
import json
import math
from array import array
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Request, Response, ServerConnection, serve
from websockets.datastructures import Headers

API_KEY = "el-test-key"
RATES = (8000, 16000, 22050, 24000, 44100, 48000)


@dataclass
class Refuse:
    """Answer the next upgrade with ``status`` and a JSON ``detail`` (ElevenLabs' error body)."""

    status: int
    error: str = "error"
    message: str = "refused"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class ErrorMessage:
    """Answer the next flush with an error message, then close the socket (1008)."""

    error: str = "quota_exceeded"
    message: str = "This request exceeds your quota."


@dataclass
class Raw:
    """Answer the next flush with this frame (text or binary), instead of audio unless ``then_answer``."""

    data: str | bytes
    then_answer: bool = False


@dataclass
class Drop:
    """Send ``after`` words of the next flush, then drop the connection without a close frame."""

    after: int = 1


@dataclass
class Stall:
    """Send ``after`` words of the next flush, then nothing more."""

    after: int = 1


@dataclass
class Untimed:
    """Answer the next flush with audio but no alignment, as a server without sync_alignment would."""


@dataclass
class Silent:
    """Never answer the next flush."""


Fault = Refuse | ErrorMessage | Raw | Drop | Stall | Untimed | Silent


@dataclass
class Handshake:
    """An upgrade request the fake received."""

    path: str
    query: dict[str, str]
    headers: Headers


class FakeElevenLabs:
    """The fake server's state: what it received and the faults to come."""

    def __init__(self, *, word_secs: float = 0.2, chunk_delay: float = 0.0) -> None:
        self.word_secs = word_secs
        self.chunk_delay = chunk_delay
        self.url = ""
        self.handshakes: list[Handshake] = []
        self.received: list[dict[str, Any]] = []  # every client message, in order
        self.closed_contexts: list[str] = []
        self.faults: list[Fault] = []
        self._connections: set[ServerConnection] = set()
        self._changed = asyncio.Event()

    def fail(self, *faults: Fault) -> None:
        """Queue faults for the next upgrades / flushes."""
        self.faults.extend(faults)

    def sent_texts(self) -> list[str]:
        """The text of every message that carried speakable text."""
        return [m["text"] for m in self.received if isinstance(m.get("text"), str) and m["text"].strip()]

    async def wait_for(self, condition: Callable[[], object], timeout: float = 5.0) -> None:
        """Return once ``condition()`` holds; checked now and after each message received."""
        async with asyncio.timeout(timeout):
            while not condition():
                self._changed.clear()
                await self._changed.wait()

    def messages(self, key: str) -> list[dict[str, Any]]:
        """The client messages that carry ``key``."""
        return [m for m in self.received if key in m]

    async def drop_all(self) -> None:
        """Drop every open connection without a close frame (a network failure)."""
        for connection in list(self._connections):
            connection.transport.abort()

    # -- the upgrade ---------------------------------------------------------------------

    def process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        parts = urlsplit(request.path)
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        self.handshakes.append(Handshake(parts.path, query, request.headers))
        if self.faults and isinstance(self.faults[0], Refuse):
            fault = self.faults.pop(0)
            assert isinstance(fault, Refuse)
            return _refusal(connection, fault.status, fault.error, fault.message, fault.headers)
        segments = parts.path.split("/")
        if len(segments) != 5 or segments[1:3] != ["v1", "text-to-speech"] or segments[4] != "multi-stream-input":
            return _refusal(connection, 404, "not_found", f"no route {parts.path}")
        if request.headers.get("xi-api-key") != API_KEY:
            return _refusal(connection, 401, "invalid_api_key", "Invalid API key")
        if not query.get("model_id"):
            return _refusal(connection, 400, "invalid_request", "model_id is required")
        rate = query.get("output_format", "mp3_44100").removeprefix("pcm_")
        if not rate.isdigit() or int(rate) not in RATES:
            return _refusal(connection, 422, "invalid_output_format", f"bad output_format {query.get('output_format')}")
        return None

    # -- the socket ----------------------------------------------------------------------

    async def handle(self, connection: ServerConnection) -> None:
        self._connections.add(connection)
        query = self.handshakes[-1].query
        rate = int(query["output_format"].removeprefix("pcm_"))
        session = _Session(self, connection, rate)
        try:
            async for raw in connection:
                message = json.loads(raw)
                self.received.append(message)
                self._changed.set()
                if not await session.take(message):
                    break
        except Exception:
            pass
        finally:
            session.stop()
            self._connections.discard(connection)


class _Session:
    """One connection's contexts and their generation tasks."""

    def __init__(self, fake: FakeElevenLabs, connection: ServerConnection, rate: int) -> None:
        self.fake = fake
        self.connection = connection
        self.rate = rate
        self.buffers: dict[str, str] = {}
        self.queues: dict[str, asyncio.Queue[str]] = {}
        self.tasks: dict[str, asyncio.Task[None]] = {}
        samples = int(fake.word_secs * rate)
        self.tone = array("h", (int(8000 * math.sin(2 * math.pi * 440 * n / rate)) for n in range(samples))).tobytes()

    async def take(self, message: dict[str, Any]) -> bool:
        """Act on one client message; False to close the socket."""
        if message.get("close_socket"):
            await self.connection.close()
            return False
        context_id = message.get("context_id", "")
        if message.get("close_context"):
            task = self.tasks.pop(context_id, None)
            if task is not None:
                task.cancel()
            self.buffers.pop(context_id, None)
            self.queues.pop(context_id, None)
            self.fake.closed_contexts.append(context_id)
            await self.connection.send(json.dumps({"isFinal": True, "contextId": context_id}))
            return True
        text = message.get("text")
        if not context_id or not isinstance(text, str):
            return True  # a keep-alive ({"text": ""}) or nothing to speak
        self.buffers[context_id] = self.buffers.get(context_id, "") + text
        if message.get("flush"):
            pending, self.buffers[context_id] = self.buffers[context_id], ""
            if context_id not in self.queues:
                self.queues[context_id] = asyncio.Queue()
                self.tasks[context_id] = asyncio.create_task(self.speak(context_id, self.queues[context_id]))
            self.queues[context_id].put_nowait(pending)
        return True

    async def speak(self, context_id: str, queue: asyncio.Queue[str]) -> None:
        while True:
            text = await queue.get()
            fault = self.fake.faults.pop(0) if self.fake.faults else None
            if isinstance(fault, Silent):
                continue
            if isinstance(fault, Raw):
                await self.connection.send(fault.data)
                if not fault.then_answer:
                    continue
            if isinstance(fault, ErrorMessage):
                error = {"message": fault.message, "error": fault.error, "code": 1008}
                await self.connection.send(json.dumps(error))
                await self.connection.close(1008, fault.message)
                return
            for count, word in enumerate(text.split()):
                if isinstance(fault, Drop) and count == fault.after:
                    self.connection.transport.abort()
                    return
                if isinstance(fault, Stall) and count == fault.after:
                    break
                message = self.word_message(word, context_id)
                if isinstance(fault, Untimed):
                    del message["alignment"], message["normalizedAlignment"]
                await self.connection.send(json.dumps(message))
                await asyncio.sleep(self.fake.chunk_delay)

    def word_message(self, word: str, context_id: str) -> dict[str, Any]:
        chars = [*word, " "]
        step = self.fake.word_secs * 1000 / len(chars)
        alignment = {
            "chars": chars,
            "charStartTimesMs": [round(n * step) for n in range(len(chars))],
            "charsDurationsMs": [round(step)] * len(chars),
        }
        return {
            "audio": base64.b64encode(self.tone).decode(),
            "alignment": alignment,
            "normalizedAlignment": alignment,
            "contextId": context_id,
        }

    def stop(self) -> None:
        for task in self.tasks.values():
            task.cancel()


def _refusal(
    connection: ServerConnection, status: int, error: str, message: str, headers: dict[str, str] | None = None
) -> Response:
    body = json.dumps({"detail": {"status": error, "message": message}})
    response = connection.respond(HTTPStatus(status), body)
    response.headers["Content-Type"] = "application/json"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


@asynccontextmanager
async def fake_elevenlabs(**options: Any) -> AsyncIterator[FakeElevenLabs]:
    """Serve a :class:`FakeElevenLabs` on 127.0.0.1; ``fake.url`` is its ``base_url``."""
    fake = FakeElevenLabs(**options)
    async with serve(fake.handle, "127.0.0.1", 0, process_request=fake.process_request) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        fake.url = f"ws://127.0.0.1:{port}"
        yield fake
        await fake.drop_all()
        with suppress(Exception):
            server.close()


@asynccontextmanager
async def mute_server() -> AsyncIterator[str]:
    """A TCP server on 127.0.0.1 that accepts connections and never answers (its ws:// URL)."""
    held: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"ws://127.0.0.1:{port}"
    finally:
        for writer in held:
            writer.close()
        server.close()
