"""``CartesiaTTSService``: Cartesia Sonic over its TTS WebSocket, one context per bot turn."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import anyio
from anyio.streams.memory import MemoryObjectReceiveStream

from rtvi_core.frames import StartFrame
from rtvi_core.plugins import Component, LazyConfig
from rtvi_core.server.hosts import is_loopback
from rtvi_core.services.tts import TTSService, WordTimestamp

from .errors import CartesiaError, event_error, no_key_error
from .events import Chunk, Done, ErrorEvent, FlushDone, Timestamps
from .log import logger

if TYPE_CHECKING:
    from .connection import CartesiaConnection, Received

DEFAULT_BASE_URL = "wss://api.cartesia.ai"
DEFAULT_MODEL = "sonic-3"
#: A stock voice of Cartesia's library (the API reference's example).
DEFAULT_VOICE = "a0e99841-438c-4a64-b679-ae501e7d6091"
DEFAULT_API_KEY_ENV = "CARTESIA_API_KEY"
#: The ``Cartesia-Version`` header sent.
API_VERSION = "2025-04-16"
#: The output rates Cartesia offers for raw PCM.
SAMPLE_RATES = (8000, 16000, 22050, 24000, 44100, 48000)
#: Longest wait to send a cancel (the interruption's path waits for it).
CANCEL_TIMEOUT = 1.0
_SCHEMES = {"ws": "ws", "wss": "wss", "http": "ws", "https": "wss"}


def check_base_url(base_url: str) -> str:
    """``base_url`` as a ``ws(s)://`` root without a trailing slash (``http(s)`` is mapped).

    ``ValueError`` unless it is a ws, wss, http or https URL with a host.
    """
    parts = urlsplit(base_url)
    scheme = _SCHEMES.get(parts.scheme)
    if scheme is None or not parts.hostname or parts.query:
        raise ValueError(
            f"base_url must be a wss:// (or https://) URL such as {DEFAULT_BASE_URL}, "
            f"without /tts/websocket, not {base_url!r}"
        )
    return f"{scheme}{base_url[len(parts.scheme) :]}".rstrip("/")


class _Context:
    """A bot turn's context at Cartesia: its id there and how much audio it has given."""

    def __init__(self) -> None:
        self.cartesia_id = str(uuid.uuid4())
        self.seconds = 0.0
        self.done = False  # Cartesia ended it (``done``): the turn's next sentence needs a new one


class CartesiaTTSService(TTSService, Component):
    """Speaks through ``<base_url>/tts/websocket``: one socket per session, one context per turn.

    Each sentence of a turn is sent on the turn's context with ``continue: true`` and
    a flush; its audio (raw ``pcm_s16le`` at the pipeline's output rate) and word
    timestamps stream back until ``flush_done``. The turn's end closes the context
    (an empty transcript with ``continue: false``); an interruption cancels it
    (``{context_id, cancel: true}``). The socket is opened when the run starts and
    again, on the next sentence, after it dropped. The API key is ``api_key`` or the
    environment variable ``CARTESIA_API_KEY``; a server on the loopback interface
    needs none. Every failure is a non-fatal error saying what to do; the next
    sentence tries again.
    """

    PLUGIN_NAME = "cartesia"
    DESCRIPTION = "Cartesia Sonic over its TTS WebSocket, with word timestamps and cancel on interruption"
    Config = LazyConfig("rtvi_cartesia.plugin:CartesiaTTSConfig")

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str = DEFAULT_BASE_URL,
        voice: str = DEFAULT_VOICE,
        model: str = DEFAULT_MODEL,
        language: str | None = "en",
        speed: float | None = None,
        cartesia_version: str = API_VERSION,
        timeout_secs: float = 10.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.base_url = check_base_url(base_url)
        self.url = f"{self.base_url}/tts/websocket"
        self.voice = voice
        self.model = model
        self.language = language
        self.speed = speed
        self.cartesia_version = cartesia_version
        self.timeout_secs = timeout_secs
        self._api_key = api_key
        self._connection: CartesiaConnection | None = None
        self._contexts: dict[str, _Context] = {}

    @classmethod
    def from_config(cls, config: Any) -> CartesiaTTSService:
        """Build from a ``CartesiaTTSConfig`` (its ``api_key`` is a pydantic ``SecretStr``)."""
        fields = dict(config)
        if fields.get("api_key") is not None:
            fields["api_key"] = fields["api_key"].get_secret_value()
        return cls(**fields)

    @property
    def key_source(self) -> str:
        """Where the API key comes from, for messages."""
        if self._api_key:
            return "the [tts] api_key setting"
        return f"the environment variable {DEFAULT_API_KEY_ENV} (or [tts] api_key)"

    # -- lifecycle ----------------------------------------------------------------------

    async def start(self, frame: StartFrame) -> None:
        """Check the output rate and start connecting (a failure is reported on the first sentence)."""
        await super().start(frame)
        if self.sample_rate not in SAMPLE_RATES:
            rates = ", ".join(map(str, SAMPLE_RATES))
            raise ValueError(
                f"Cartesia sends audio at {rates} Hz, not {self.sample_rate}: set [tts] sample_rate "
                "or the pipeline's audio_out_sample_rate to one of them"
            )
        self._contexts.clear()
        self.create_task(self._warm_up(), name="connect")

    async def cleanup(self) -> None:
        """Close the socket (every context on it ends)."""
        await super().cleanup()
        self._contexts.clear()
        if self._connection is not None:
            await self._connection.close()

    async def _warm_up(self) -> None:
        try:
            await self._open()
        except CartesiaError as exc:
            logger.info("%s: not connected at start: %s", self, exc)

    async def _open(self) -> CartesiaConnection:
        connection = self._connection
        if connection is None:
            key = self._api_key or os.environ.get(DEFAULT_API_KEY_ENV)
            local = is_loopback(urlsplit(self.url).hostname or "")
            if not key and not local:
                raise no_key_error(self.base_url, self.key_source)
            from .connection import CartesiaConnection  # websockets, on first use

            headers = {"Cartesia-Version": self.cartesia_version} | ({"X-API-Key": key} if key else {})
            connection = self._connection = CartesiaConnection(
                self.url, headers, key_source=self.key_source, timeout=self.timeout_secs, proxy=not local
            )
        if not connection.is_open:
            self._contexts.clear()  # contexts do not outlive their socket
            await connection.open(lambda reader: self.create_task(reader, name="reader"))
        return connection

    # -- synthesis ---------------------------------------------------------------------

    async def run_tts(self, text: str, context_id: str) -> AsyncGenerator[bytes | WordTimestamp, None]:
        """Send ``text`` on the turn's context, flush it, and stream its audio and word times."""
        connection = await self._open()
        context = self._contexts.get(context_id)
        if context is None:
            context = self._contexts[context_id] = _Context()
        events = connection.listen(context.cartesia_id)
        try:
            await connection.send(self._request(text + " ", context.cartesia_id, more=True))
            await connection.send(self._request("", context.cartesia_id, more=True) | {"flush": True})
            async for item in self._receive(events, context):
                yield item
            if context.done and self._contexts.get(context_id) is context:
                del self._contexts[context_id]
        except CartesiaError:
            # The context is unusable: cancel it; the turn's next sentence opens a new one.
            if self._contexts.get(context_id) is context:
                del self._contexts[context_id]
            await self._send_quietly({"context_id": context.cartesia_id, "cancel": True})
            raise
        finally:
            connection.stop_listening(context.cartesia_id)
            events.close()

    async def _receive(
        self, events: MemoryObjectReceiveStream[Received], context: _Context
    ) -> AsyncGenerator[bytes | WordTimestamp, None]:
        """The sentence's audio and word times, up to its ``flush_done``.

        Cartesia's word times count from the start of the context's audio; a server that
        restarts them at each flush (its first time falls well before the sentence's
        start) is read as such.
        """
        start = context.seconds
        origin: float | None = None  # where this sentence's word times count from
        latest = 0.0
        bytes_per_second = 2 * self.sample_rate
        while True:
            item = await self._next_event(events)
            if item is None or isinstance(item, FlushDone):
                return
            if isinstance(item, Done):
                context.done = True
                return
            if isinstance(item, CartesiaError):
                raise item
            if isinstance(item, ErrorEvent):
                raise event_error(item.status, item.message, self.key_source)
            if isinstance(item, Chunk):
                context.seconds += len(item.audio) / bytes_per_second
                yield item.audio
            elif isinstance(item, Timestamps):
                for word, at in item.words:
                    if origin is None:
                        origin = start if at >= start / 2 else 0.0
                    latest = max(latest, at - origin)
                    yield WordTimestamp(word, latest)

    async def _next_event(self, events: MemoryObjectReceiveStream[Received]) -> Received | None:
        """The next event, None once nobody listens; :class:`CartesiaError` after ``timeout_secs``."""
        try:
            with anyio.fail_after(self.timeout_secs):
                return await events.receive()
        except TimeoutError:
            raise CartesiaError(
                f"Cartesia: {self.url} sent nothing for {self.timeout_secs:g} s (timeout_secs); "
                "the sentence is skipped, the next one tries again"
            ) from None
        except anyio.EndOfStream:
            return None

    def _request(self, transcript: str, context_id: str, *, more: bool) -> dict[str, Any]:
        """A generation request on ``context_id`` (every input of a context repeats its settings)."""
        request: dict[str, Any] = {
            "model_id": self.model,
            "transcript": transcript,
            "voice": {"mode": "id", "id": self.voice},
            "context_id": context_id,
            "output_format": {"container": "raw", "encoding": "pcm_s16le", "sample_rate": self.sample_rate},
            "add_timestamps": True,
            "continue": more,
        }
        if self.language:
            request["language"] = self.language
        if self.speed is not None:
            request["generation_config"] = {"speed": self.speed}
        return request

    # -- the end of a context -------------------------------------------------------------

    async def on_context_finished(self, context_id: str) -> None:
        """Close the turn's context at Cartesia: an empty transcript with ``continue: false``."""
        context = self._contexts.pop(context_id, None)
        if context is not None:
            await self._send_quietly(self._request("", context.cartesia_id, more=False))

    async def on_context_interrupted(self, context_id: str) -> None:
        """Cancel the open contexts at Cartesia (no context survives an interruption)."""
        contexts, self._contexts = self._contexts, {}
        for context in contexts.values():
            await self._send_quietly({"context_id": context.cartesia_id, "cancel": True}, timeout=CANCEL_TIMEOUT)

    async def _send_quietly(self, message: dict[str, Any], timeout: float | None = None) -> None:
        """Send ``message`` if connected; a failure is only logged (nothing waits for it)."""
        connection = self._connection
        if connection is None or not connection.is_open:
            return
        with anyio.move_on_after(self.timeout_secs if timeout is None else timeout):
            try:
                await connection.send(message)
            except CartesiaError as exc:
                logger.debug("%s: %s", self, exc)
