"""A fake of Cartesia's TTS WebSocket on 127.0.0.1, written from the public API reference.

``GET /tts/websocket`` upgrades when the ``Cartesia-Version`` header (or the
``cartesia_version`` query) is there and, if the fake was given one, the API key
(``X-API-Key`` header or ``api_key`` query) matches. Generation requests are checked
as the real API does (``model_id``, ``transcript``, ``voice``, ``output_format`` with
raw ``pcm_s16le`` at one of Cartesia's rates, ``context_id``, ``continue``; every input
of a context repeats the first one's settings) and buffered per context; a ``flush``
speaks the buffered text and answers ``flush_done``, ``continue: false`` speaks it and
answers ``done``, ``{context_id, cancel: true}`` stops the context at once.

Speech is synthetic: a tone per word (``word_secs`` long) at the requested rate, sent
as base64 ``chunk`` events of ``chunk_secs`` after one ``timestamps`` event for the
flush's words (times count from the start of the context's audio, as Cartesia's do, or with
``times_per_flush`` from the start of the flush's), one chunk
every ``chunk_delay`` seconds: far faster than real time. Faults queued with ``fail``
replace what happens next: :class:`Refuse` answers the next upgrade with an HTTP
error, :class:`Inject` sends raw messages into the next generation and then goes on,
stops answering or closes the socket.
"""

from __future__ import annotations

import base64
import json
import math
from array import array
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import cache
from http import HTTPStatus
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

import anyio
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

RATES = (8000, 16000, 22050, 24000, 44100, 48000)
AMPLITUDE = 8000


@dataclass
class Refuse:
    """Answer the next upgrade with HTTP ``status``."""

    status: int
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Inject:
    """In the next generation, after ``after`` chunks: send ``messages``, then ``then``.

    ``{context_id}`` in a text message stands for the generation's context id.
    ``then``: ``"go on"`` (generate as usual), ``"stop"`` (never answer this
    generation), ``"close"`` (close the socket with code 1011).
    """

    after: int
    messages: list[str | bytes] = field(default_factory=list)
    then: Literal["go on", "stop", "close"] = "go on"


def event(kind: str, context_id: str | None, **fields: Any) -> str:
    """A server event as Cartesia sends it."""
    data: dict[str, Any] = {"type": kind, "done": kind in ("done", "error"), "status_code": 206}
    if context_id is not None:
        data["context_id"] = context_id
    return json.dumps(data | fields)


def error_event(context_id: str | None, status: int, title: str, message: str) -> str:
    """An ``error`` event."""
    return event("error", context_id, status_code=status, title=title, message=message, error=f"{title}: {message}")


@cache
def tone(rate: int, index: int, seconds: float) -> bytes:
    """A word's synthetic speech: a sine tone, its pitch set by ``index`` (0-4)."""
    frequency = 180 + 40 * index
    samples = array(
        "h", (int(AMPLITUDE * math.sin(2 * math.pi * frequency * n / rate)) for n in range(int(rate * seconds)))
    )
    return samples.tobytes()


class _Context:
    def __init__(self, settings: dict[str, Any]) -> None:
        self.settings = settings
        self.text = ""
        self.seconds = 0.0
        self.words = 0
        self.cancelled = False
        self.finished = False


class FakeCartesia:
    """The fake; ``url`` is its root (what ``base_url`` takes)."""

    def __init__(
        self,
        *,
        word_secs: float = 0.25,
        chunk_secs: float = 0.05,
        chunk_delay: float = 0.002,
        api_key: str | None = None,
        times_per_flush: bool = False,
    ) -> None:
        self.word_secs = word_secs
        self.chunk_secs = chunk_secs
        self.chunk_delay = chunk_delay
        self.api_key = api_key
        self.times_per_flush = times_per_flush
        self.url = ""
        self.handshakes: list[Request] = []
        self.received: list[dict[str, Any]] = []
        self.cancelled: list[str] = []
        self.connections = 0
        self._sockets: set[ServerConnection] = set()
        self._faults: deque[Refuse | Inject] = deque()

    def fail(self, *faults: Refuse | Inject) -> None:
        """Queue faults for the next upgrades (``Refuse``) and generations (``Inject``)."""
        self._faults.extend(faults)

    def _next_fault(self, kind: type[Refuse] | type[Inject]) -> Any:
        if self._faults and isinstance(self._faults[0], kind):
            return self._faults.popleft()
        return None

    def requests_for(self, context_id: str) -> list[dict[str, Any]]:
        """The messages received for ``context_id``."""
        return [m for m in self.received if m.get("context_id") == context_id]

    # -- the upgrade --------------------------------------------------------------------

    def _upgrade(self, connection: ServerConnection, request: Request) -> Response | None:
        self.handshakes.append(request)
        refuse = self._next_fault(Refuse)
        if refuse is not None:
            response = connection.respond(HTTPStatus(refuse.status), refuse.body)
            for name, value in refuse.headers.items():
                response.headers[name] = value
            return response
        parts = urlsplit(request.path)
        query = {name: values[0] for name, values in parse_qs(parts.query).items()}
        if parts.path != "/tts/websocket":
            return connection.respond(HTTPStatus.NOT_FOUND, json.dumps({"error": f"Not found: {parts.path}"}))
        if not (request.headers.get("Cartesia-Version") or query.get("cartesia_version")):
            return connection.respond(HTTPStatus.BAD_REQUEST, json.dumps({"error": "Cartesia-Version is required"}))
        key = request.headers.get("X-API-Key") or query.get("api_key")
        if self.api_key is not None and key != self.api_key:
            return connection.respond(HTTPStatus.UNAUTHORIZED, json.dumps({"message": "Invalid API key"}))
        return None

    # -- a connection --------------------------------------------------------------------

    async def _serve(self, socket: ServerConnection) -> None:
        self.connections += 1
        self._sockets.add(socket)
        contexts: dict[str, _Context] = {}
        jobs_in, jobs = anyio.create_memory_object_stream[tuple[str, bool]](math.inf)
        try:
            async with anyio.create_task_group() as group:
                group.start_soon(self._generate, socket, contexts, jobs)
                try:
                    async for message in socket:
                        await self._on_message(socket, message, contexts, jobs_in)
                except ConnectionClosed:
                    pass
                group.cancel_scope.cancel()
        finally:
            self._sockets.discard(socket)
            jobs_in.close()
            jobs.close()

    @property
    def open_sockets(self) -> int:
        """How many connections are open."""
        return len(self._sockets)

    async def drop(self) -> None:
        """Close every open connection (code 1001, as a server going away does)."""
        for socket in list(self._sockets):
            await socket.close(1001, "going away")

    async def _on_message(
        self, socket: ServerConnection, message: str | bytes, contexts: dict[str, _Context], jobs: Any
    ) -> None:
        try:
            data = json.loads(message)
        except ValueError:
            await socket.send(error_event(None, 400, "Invalid message", "messages must be JSON"))
            return
        self.received.append(data)
        context_id = data.get("context_id")
        if not isinstance(context_id, str) or not context_id:
            await socket.send(error_event(None, 400, "Invalid request", "context_id is required"))
            return
        if data.get("cancel") is True:
            self.cancelled.append(context_id)
            if context_id in contexts:
                contexts[context_id].cancelled = True
            return
        problem = check_request(data)
        context = contexts.get(context_id)
        settings = {k: v for k, v in data.items() if k not in ("transcript", "continue", "flush", "duration")}
        if problem is None and context is not None:
            if context.finished or context.cancelled:
                problem = f"context {context_id} is closed"
            elif settings != context.settings:
                problem = "inputs of a context must keep all fields but transcript and continue the same"
        if problem is not None:
            await socket.send(error_event(context_id, 400, "Invalid request", problem))
            return
        if context is None:
            context = contexts[context_id] = _Context(settings)
        context.text += data["transcript"]
        more = data.get("continue", False)
        if not more:
            context.finished = True
            jobs.send_nowait((context_id, True))
        elif data.get("flush"):
            jobs.send_nowait((context_id, False))

    async def _generate(self, socket: ServerConnection, contexts: dict[str, _Context], jobs: Any) -> None:
        flush_id = 0
        async for context_id, last in jobs:
            context = contexts[context_id]
            text, context.text = context.text, ""
            inject = self._next_fault(Inject)
            if not await self._speak(socket, context_id, context, text, inject):
                continue
            if last:
                await socket.send(event("done", context_id))
            else:
                flush_id += 1
                await socket.send(event("flush_done", context_id, flush_done=True, flush_id=flush_id))

    async def _speak(
        self, socket: ServerConnection, context_id: str, context: _Context, text: str, inject: Inject | None
    ) -> bool:
        """Send the words' timestamps, then their audio; False if the generation ends without an answer."""
        rate = context.settings["output_format"]["sample_rate"]
        step = int(rate * self.chunk_secs) * 2
        words = text.split()
        if not words:
            return True
        origin = context.seconds if self.times_per_flush else 0.0
        starts = [context.seconds + i * self.word_secs - origin for i in range(len(words))]
        timestamps = {"words": words, "start": starts, "end": [start + self.word_secs for start in starts]}
        await socket.send(event("timestamps", context_id, word_timestamps=timestamps))
        audio = b"".join(tone(rate, (context.words + i) % 5, self.word_secs) for i in range(len(words)))
        context.words += len(words)
        context.seconds += len(words) * self.word_secs
        for chunks, at in enumerate(range(0, len(audio), step)):
            if inject is not None and chunks == inject.after:
                for message in inject.messages:
                    await socket.send(
                        message.replace("{context_id}", context_id) if isinstance(message, str) else message
                    )
                if inject.then == "close":
                    await socket.close(1011, "internal error")
                    return False
                if inject.then == "stop":
                    return False
                inject = None
            if context.cancelled:
                return False
            data = base64.b64encode(audio[at : at + step]).decode()
            await socket.send(event("chunk", context_id, data=data, step_time=1.0))
            await anyio.sleep(self.chunk_delay)
        return not context.cancelled


def check_request(data: dict[str, Any]) -> str | None:
    """What the real API would refuse in a generation request, or None."""
    model = data.get("model_id")
    if not isinstance(model, str) or not model.startswith("sonic"):
        return f"Invalid model: {model!r} is not a valid model ID"
    if not isinstance(data.get("transcript"), str):
        return "transcript must be a string"
    voice = data.get("voice")
    if (
        not isinstance(voice, dict)
        or voice.get("mode") != "id"
        or not isinstance(voice.get("id"), str)
        or not voice["id"]
    ):
        return "voice must be {mode: id, id: <voice id>}"
    output = data.get("output_format")
    if output is None or output.get("container") != "raw" or output.get("encoding") != "pcm_s16le":
        return "output_format must be raw pcm_s16le for this fake"
    if output.get("sample_rate") not in RATES:
        return f"sample_rate must be one of {RATES}"
    if not isinstance(data.get("continue", False), bool) or not isinstance(data.get("add_timestamps", False), bool):
        return "continue and add_timestamps must be booleans"
    return None


@asynccontextmanager
async def fake_cartesia(**options: Any) -> AsyncIterator[FakeCartesia]:
    """Run a :class:`FakeCartesia` on 127.0.0.1 (a free port) for the block."""
    fake = FakeCartesia(**options)
    async with serve(fake._serve, "127.0.0.1", 0, process_request=fake._upgrade) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        fake.url = f"ws://127.0.0.1:{port}"
        yield fake
