"""``MemoryTransport``: an in-process client connection, for tests, consoles and plugins.

The client side (:class:`MemoryClient`) behaves like a socket peer: messages go
through the transport's serializer as JSON text in both directions, audio is
passed as PCM. Everything written to the client is recorded, and the ``wait_*``
helpers let tests wait for conditions instead of sleeping.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import anyio
import msgspec

from ..component import Component, LazyConfig
from ..frames import (
    ClientConnectedFrame,
    InputAudioRawFrame,
    InputTransportMessageFrame,
    InterimTranscriptionFrame,
    OutputAudioRawFrame,
    OutputTransportMessageFrame,
    OutputTransportMessageUrgentFrame,
    StartFrame,
    TranscriptionFrame,
)
from ..services.input_transport import BaseInputTransport
from ..services.output_transport import BaseOutputTransport
from ..services.serializer import FrameSerializer
from ..services.transport import BaseTransport
from ..services.transport_params import TransportParams
from .json_serializer import JSONFrameSerializer

logger = logging.getLogger("rtvi_core.builtins.memory_transport")

_T = TypeVar("_T")
_decode_json = msgspec.json.Decoder().decode


class MemoryInputTransport(BaseInputTransport):
    """Input side of a :class:`MemoryTransport`: decodes what the client sends."""

    def __init__(self, transport: MemoryTransport, *, name: str | None = None) -> None:
        super().__init__(transport.params, name=name)
        self._transport = transport

    async def open_input(self, frame: StartFrame) -> None:
        await self._transport.serializer.setup(frame)

    async def receive(self, data: bytes | str) -> None:
        """Handle one payload from the client, as a socket transport would."""
        frame = self._transport.serializer.deserialize(data)
        if frame is None:
            return
        if isinstance(frame, InputTransportMessageFrame):
            await self.push_message(frame.message)
        elif isinstance(frame, InputAudioRawFrame):
            await self.push_audio(frame.audio, frame.sample_rate, frame.num_channels)
        else:
            await self.push_frame(frame)


class MemoryOutputTransport(BaseOutputTransport):
    """Output side of a :class:`MemoryTransport`: hands everything to the client."""

    def __init__(self, transport: MemoryTransport, *, name: str | None = None) -> None:
        super().__init__(transport.params, name=name)
        self._transport = transport

    async def write_message(self, frame: OutputTransportMessageFrame | OutputTransportMessageUrgentFrame) -> None:
        payload = self._transport.serializer.serialize(frame)
        if payload is not None:
            self._transport.client._receive_message(payload)

    async def write_audio(self, frame: OutputAudioRawFrame) -> None:
        self._transport.client._receive_audio(frame.audio)

    async def close(self) -> None:
        self._transport.client._receive_close()


class MemoryClient:
    """The client end of a :class:`MemoryTransport`.

    Sending methods wait until the pipeline has started. Recorded output:
    ``messages`` (JSON-decoded, in order), ``audio`` (the written chunks),
    ``events`` (``("message", dict)``, ``("audio", nbytes)`` and a final
    ``("closed", None)``, in write order) and ``closed``.
    """

    def __init__(self, transport: MemoryTransport) -> None:
        self._transport = transport
        self.messages: list[Any] = []
        self.audio: list[bytes] = []
        self.events: list[tuple[str, Any]] = []
        self.connected = False
        self.closed = False
        self._changed: anyio.Event | None = None

    # -- sending ------------------------------------------------------------------------

    async def connect(self) -> None:
        """Connect: pushes ``ClientConnectedFrame`` and fires ``on_client_connected``."""
        input_transport = await self._open_input()
        self.connected = True
        await input_transport.push_frame(ClientConnectedFrame())
        await self._transport._call_event_handler("on_client_connected", self)

    async def disconnect(self) -> None:
        """Disconnect: fires ``on_client_disconnected``."""
        self.connected = False
        await self._transport._call_event_handler("on_client_disconnected", self)

    async def send_message(self, message: Any) -> None:
        """Send a JSON-able object (e.g. an RTVI message dict) as JSON text."""
        await self.send_raw(msgspec.json.encode(message).decode())

    async def send_raw(self, data: bytes | str) -> None:
        """Send a payload as is (e.g. invalid JSON, to test robustness)."""
        await (await self._open_input()).receive(data)

    async def send_audio(self, pcm: bytes, sample_rate: int = 16000, num_channels: int = 1) -> None:
        """Send 16-bit PCM from the user's microphone."""
        await (await self._open_input()).push_audio(pcm, sample_rate, num_channels)

    async def send_transcription(
        self, text: str, final: bool = True, user_id: str = "", timestamp: str | None = None
    ) -> None:
        """Send what a client-side STT heard (``TranscriptionFrame`` or interim)."""
        input_transport = await self._open_input()
        stamp = timestamp if timestamp is not None else datetime.now(UTC).isoformat()
        cls = TranscriptionFrame if final else InterimTranscriptionFrame
        await input_transport.push_frame(cls(text=text, user_id=user_id, timestamp=stamp))

    async def _open_input(self) -> MemoryInputTransport:
        """The input transport, once the run has started; ``ConnectionError`` once closed."""
        if self.closed:
            raise ConnectionError("the bot closed the connection")
        input_transport = self._transport.input()
        await input_transport.wait_started()
        return input_transport

    # -- recorded output --------------------------------------------------------------------

    def messages_of(self, msg_type: str) -> list[dict[str, Any]]:
        """The received messages whose ``type`` is ``msg_type``, in order."""
        return [m for m in self.messages if isinstance(m, dict) and m.get("type") == msg_type]

    async def wait_for_message(
        self,
        msg_type: str,
        timeout: float = 5.0,
        predicate: Callable[[dict[str, Any]], bool] | None = None,
    ) -> dict[str, Any]:
        """The first received message of ``msg_type`` (matching ``predicate``), waiting for it.

        Raises ``TimeoutError`` (listing the types received) after ``timeout`` seconds.
        """

        def find() -> dict[str, Any] | None:
            for message in self.messages_of(msg_type):
                if predicate is None or predicate(message):
                    return message
            return None

        try:
            return await self.wait_for(find, timeout)
        except TimeoutError:
            seen = [m.get("type") if isinstance(m, dict) else m for m in self.messages]
            raise TimeoutError(f"no {msg_type!r} message within {timeout}s; received {seen}") from None

    async def wait_closed(self, timeout: float = 5.0) -> None:
        """Wait until the bot closes the connection (``TimeoutError`` after ``timeout``)."""
        await self.wait_for(lambda: True if self.closed else None, timeout)

    async def wait_for(self, check: Callable[[], _T | None], timeout: float = 5.0) -> _T:
        """Wait until ``check()`` returns something other than None; re-checked on every write."""
        with anyio.fail_after(timeout):
            while True:
                result = check()
                if result is not None:
                    return result
                if self._changed is None:
                    self._changed = anyio.Event()
                await self._changed.wait()

    # -- called by the output transport ---------------------------------------------------

    def _record(self, kind: str, value: Any) -> None:
        self.events.append((kind, value))
        changed = self._changed
        if changed is not None:
            self._changed = None
            changed.set()

    def _receive_message(self, payload: bytes | str) -> None:
        message = _decode_json(payload)
        self.messages.append(message)
        self._record("message", message)

    def _receive_audio(self, audio: bytes) -> None:
        self.audio.append(audio)
        self._record("audio", len(audio))

    def _receive_close(self) -> None:
        self.closed = True
        self._record("closed", None)


class MemoryTransport(BaseTransport, Component):
    """A transport whose client lives in the same process (``transport.client``).

    Example::

        transport = MemoryTransport(params=TransportParams(audio_out_enabled=True))
        task = PipelineTask(Pipeline([transport.input(), ..., transport.output()]))
        # in a task group: task.run(), then drive transport.client
    """

    PLUGIN_NAME = "memory"
    DESCRIPTION = "An in-process client connection (tests, consoles, plugin development)"
    Config = LazyConfig("rtvi_core.builtins.plugin:MemoryTransportConfig")

    @classmethod
    def from_config(cls, config: Any) -> MemoryTransport:
        """A transport whose ``TransportParams`` are the validated audio settings."""
        return cls(params=TransportParams(**dict(config)))

    def __init__(
        self,
        params: TransportParams | None = None,
        *,
        serializer: FrameSerializer | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(params, name=name)
        self._serializer = serializer or JSONFrameSerializer()
        self._input = MemoryInputTransport(self, name=name and f"{name}::input")
        self._output = MemoryOutputTransport(self, name=name and f"{name}::output")
        self._client = MemoryClient(self)

    @property
    def serializer(self) -> FrameSerializer:
        """How messages are encoded between the bot and the client."""
        return self._serializer

    @property
    def client(self) -> MemoryClient:
        """The connected client."""
        return self._client

    def input(self) -> MemoryInputTransport:
        return self._input

    def output(self) -> MemoryOutputTransport:
        return self._output
