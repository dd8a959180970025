"""``WebSocketTransport``: one client of the server, as the pipeline's input and output."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from rtvi_core.audio import resample
from rtvi_core.frames import (
    InputAudioRawFrame,
    InputTransportMessageFrame,
    OutputAudioRawFrame,
    OutputTransportMessageFrame,
    OutputTransportMessageUrgentFrame,
    StartFrame,
)
from rtvi_core.plugins import Component, LazyConfig
from rtvi_core.rtvi.messages import ErrorData, ErrorMessage
from rtvi_core.services.input_transport import BaseInputTransport
from rtvi_core.services.output_transport import BaseOutputTransport
from rtvi_core.services.transport_params import TransportParams

from . import close_codes, log
from .connection_transport import ConnectionTransport
from .serializer import ProtobufFrameSerializer

if TYPE_CHECKING:
    from rtvi_core.serving import SessionFactory

    from .frontend import WebSocketFrontend

logger = log.logger.getChild("transport")

#: Bot audio: mono, 40 ms chunks, at the run's output rate (``PipelineParams.audio_out_sample_rate``,
#: 24 kHz by default: what the stock client plays unless told otherwise).
DEFAULT_PARAMS: dict[str, Any] = {
    "audio_in_enabled": True,
    "audio_out_enabled": True,
    "audio_out_channels": 1,
    "audio_out_10ms_chunks": 4,
}

#: The output sample rates the server sends (Hz): what every browser's ``AudioContext``
#: can play (Web Audio requires 8000 to 96000), up to 48 kHz, more than speech needs.
MIN_OUTPUT_RATE, MAX_OUTPUT_RATE = 8000, 48000


class WebSocketInputTransport(BaseInputTransport):
    """Decodes the client's frames into the pipeline; answers bad ones with an RTVI ``error``."""

    def __init__(self, transport: WebSocketTransport, *, name: str | None = None) -> None:
        super().__init__(transport.params, name=name)
        self._transport = transport

    async def open_input(self, frame: StartFrame) -> None:
        await self._transport.serializer.setup(frame)

    async def receive(self, data: bytes | str) -> None:
        """Handle one message from the client."""
        serializer = self._transport.serializer
        before = serializer.malformed_count
        frame = serializer.deserialize(data)
        if frame is None:
            if serializer.malformed_count != before:
                self._transport.report_bad_input(serializer.last_error)
            return
        if isinstance(frame, InputTransportMessageFrame):
            if not isinstance(frame.message, dict):
                self._transport.report_bad_input("an RTVI message must be a JSON object")
                return
            await self.push_message(frame.message)
        elif isinstance(frame, InputAudioRawFrame):
            await self.push_audio(frame.audio, frame.sample_rate, frame.num_channels)
        else:
            await self.push_frame(frame)


class WebSocketOutputTransport(BaseOutputTransport):
    """Writes the bot's messages and paced audio to the client as protobuf frames."""

    def __init__(self, transport: WebSocketTransport, *, name: str | None = None) -> None:
        super().__init__(transport.params, name=name)
        self._transport = transport

    async def write_message(self, frame: OutputTransportMessageFrame | OutputTransportMessageUrgentFrame) -> None:
        await self._transport.send(self._transport.serializer.serialize(frame))

    async def write_audio(self, frame: OutputAudioRawFrame) -> None:
        await self._transport.send(self._transport.serializer.serialize(frame))

    async def close(self) -> None:
        self._transport.close(*close_codes.end_of_run(self.runtime.task))


class WebSocketTransport(ConnectionTransport[WebSocketInputTransport, WebSocketOutputTransport], Component):
    """A client connected to ``rtvi run``'s WebSocket server (spec §15.1 wire format).

    Bot audio leaves as mono PCM16 in 40 ms chunks paced at real time, at the run's
    output rate (24 kHz unless ``[rtvi.pipeline]`` or ``[transport]
    audio_out_sample_rate`` says otherwise; other audio is resampled); every audio
    frame carries its rate. A malformed frame from the client is answered with an
    RTVI ``error`` (not fatal); the session is closed with 1008 after
    ``max_malformed`` of them.
    """

    PLUGIN_NAME: ClassVar[str] = "websocket"
    DESCRIPTION: ClassVar[str] = "WebSocket server for the stock Pipecat JS client (protobuf frames)"
    #: The page ``rtvi run`` points people to.
    PAGE: ClassVar[tuple[str, str]] = ("playground", "/")
    Config = LazyConfig("rtvi_websocket.plugin:WebSocketTransportConfig")

    def __init__(
        self,
        params: TransportParams | None = None,
        *,
        serializer: ProtobufFrameSerializer | None = None,
        max_malformed: int = 20,
        name: str | None = None,
    ) -> None:
        super().__init__(params or TransportParams(**DEFAULT_PARAMS), name=name)
        self.serializer = serializer or ProtobufFrameSerializer()
        self.max_malformed = max_malformed
        self._input = WebSocketInputTransport(self, name=f"{self.name}.input")
        self._output = WebSocketOutputTransport(self, name=f"{self.name}.output")
        self._bad_input = 0

    @classmethod
    def from_config(cls, config: Any) -> WebSocketTransport:
        from .plugin import split_transport_config

        params, server = split_transport_config(config)
        return cls(TransportParams(**params), max_malformed=server.max_malformed)

    @classmethod
    async def serve(
        cls, sessions: SessionFactory, *, host: str, port: int, on_listening: Callable[[str, int], None] | None = None
    ) -> None:
        """Serve ``sessions`` on ``host:port`` until SIGTERM/SIGINT (what ``rtvi run`` calls)."""
        from rtvi_core.server.bot_server import serve_bot

        resample.preload()  # not on the loop later, at the first client audio at another rate
        await serve_bot(sessions, host=host, port=port, on_listening=on_listening)

    @classmethod
    def frontend(cls, config: Any) -> WebSocketFrontend:
        """Its part of a session server, with the settings of its validated ``config``."""
        from .frontend import WebSocketFrontend
        from .plugin import split_transport_config

        return WebSocketFrontend(split_transport_config(config)[1])

    async def send(self, payload: bytes | None) -> None:
        """Send one encoded frame, waiting while the client is not reading."""
        connection = self._connection
        if payload is not None and connection is not None:
            connection.send(payload)
            if connection.write_paused:
                await connection.drain()

    def close(self, code: int, reason: str) -> None:
        """Close the client's connection."""
        if self._connection is not None:
            self._connection.close(code, reason)

    def report_bad_input(self, error: str) -> None:
        """Answer a bad frame with an RTVI ``error``; close the session when there are too many."""
        self._bad_input += 1
        connection = self._connection
        if connection is None:
            return
        logger.info("%s: bad input from %s: %s", self, connection.peer, error)
        message = ErrorMessage(data=ErrorData(error=error, fatal=False))
        connection.send(self.serializer.serialize(OutputTransportMessageUrgentFrame(message=message)) or b"")
        if self._bad_input >= self.max_malformed:
            connection.close(close_codes.POLICY_VIOLATION, f"too many malformed frames ({self._bad_input})")
