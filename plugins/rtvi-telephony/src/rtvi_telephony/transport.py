"""``TelephonyTransport``: one phone call's media stream, as the pipeline's input and output.

Each carrier subclasses it with its :class:`~.carrier.Carrier` (``twilio``, ``telnyx``,
``plivo``, ``exotel``). In: the carrier's JSON messages become caller audio (decoded, then
resampled to the pipeline's rate by the base), keypresses (an RTVI ``dtmf`` message, so
they take the websocket transport's path to ``InputDTMFFrame``), the call's start (session
data, ``ClientConnectedFrame``, ``on_client_connected(transport, call)`` and a
``client-ready``, so ``bot-ready`` and ``speak_first`` work as for any client) and its end.
Out: bot audio resampled to the carrier's rate by the base, paced in real time in
``packet_ms`` packets, encoded and sent as ``media``; a ``mark`` after each utterance;
``clear`` on an interruption. RTVI messages are never sent down the phone stream
(Pipecat issue #3634): the RTVI processor and observers run, the output drops what they send.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

import anyio
import msgspec
from rtvi_websocket import close_codes
from rtvi_websocket.connection_transport import ConnectionTransport

from rtvi_core.audio import RateConverter
from rtvi_core.direction import FrameDirection
from rtvi_core.frames import (
    CancelTaskFrame,
    ClientConnectedFrame,
    EndFrame,
    Frame,
    OutputAudioRawFrame,
    OutputTransportMessageFrame,
    OutputTransportMessageUrgentFrame,
    TTSStoppedFrame,
)
from rtvi_core.plugins import Component
from rtvi_core.rtvi.messages import MESSAGE_LABEL, PROTOCOL_VERSION, JSONBoundsError, decode_client_json
from rtvi_core.server.throttled_log import ThrottledLog
from rtvi_core.services.input_transport import BaseInputTransport
from rtvi_core.services.output_transport import BaseOutputTransport
from rtvi_core.services.transport_params import TransportParams

from . import log
from .events import CallInfo, Dtmf, Mark, Media, Stop, WireError
from .settings import TelephonySettings

if TYPE_CHECKING:
    from rtvi_core.serving import SessionFactory

    from .carrier import Carrier
    from .frontend import TelephonyFrontend

logger = log.logger.getChild("transport")

#: Longest a REST hang-up may hold the end of a session (seconds).
HANG_UP_TIMEOUT_SECS = 10.0

_encode = msgspec.json.Encoder().encode


class TelephonyInputTransport(BaseInputTransport):
    """Reads the carrier's messages into the pipeline; a bad one is logged and dropped."""

    def __init__(self, transport: TelephonyTransport, *, name: str | None = None) -> None:
        super().__init__(transport.params, name=name)
        self._transport = transport
        self._keys = 0

    async def receive(self, data: bytes | str) -> None:
        """Handle one message from the carrier."""
        transport = self._transport
        try:
            event = transport.carrier.parse(decode_client_json(data))
        except (msgspec.DecodeError, JSONBoundsError):
            transport.report_bad_input("not-json", "a message that is not JSON (or is nested too deeply)")
            return
        except WireError as exc:
            transport.report_bad_input(exc.kind, exc.message)
            return
        if isinstance(event, Media):  # first: 50 a second
            await self._media(event)
        elif isinstance(event, CallInfo):
            await self._start(event)
        elif isinstance(event, Dtmf):
            await self._dtmf(event)
        elif isinstance(event, Mark):
            transport.mark_played(event.name)
        elif isinstance(event, Stop):
            await self._stop(event)
        else:
            logger.debug("%s: %s", transport, event)

    async def _media(self, event: Media) -> None:
        transport = self._transport
        call = transport.in_call(event.stream_id, "media")
        if call is None:
            return
        if len(event.payload) > transport.settings.max_media_bytes * 4 // 3 + 4:
            transport.report_bad_input("oversized", f"a media payload over {transport.settings.max_media_bytes} bytes")
            return
        try:
            coded = binascii.a2b_base64(event.payload, strict_mode=True)
        except (binascii.Error, ValueError):
            transport.report_bad_input("bad-base64", "a media payload that is not base64")
            return
        if coded:
            fmt = call.media_format
            await self.push_audio(fmt.decode(coded), fmt.sample_rate)

    async def _start(self, call: CallInfo) -> None:
        transport = self._transport
        if transport.call is not None:
            transport.report_bad_input("second-start", "a second start message on one stream")
            return
        transport.call = call
        transport.session_data["call"] = call.as_data()
        logger.info(
            "%s: call %s from %r to %r started (stream %s, %s)",
            transport,
            call.call_id,
            call.caller,
            call.callee,
            call.stream_id,
            call.media_format.name,
        )
        await self.push_frame(ClientConnectedFrame())
        await transport._call_event_handler("on_client_connected", call)
        about = {"library": "rtvi-telephony", "platform": call.carrier}
        await self.push_message(
            {
                "label": MESSAGE_LABEL,
                "type": "client-ready",
                "id": "call-start",
                "data": {"version": PROTOCOL_VERSION, "about": about},
            }
        )

    async def _dtmf(self, event: Dtmf) -> None:
        if self._transport.in_call(event.stream_id, "dtmf") is None:
            return
        self._keys += 1
        message = {
            "label": MESSAGE_LABEL,
            "type": "dtmf",
            "id": f"dtmf-{self._keys}",
            "data": {"buttons": [event.digit]},
        }
        await self.push_message(message)

    async def _stop(self, event: Stop) -> None:
        transport = self._transport
        call = transport.call
        if call is not None and event.stream_id is not None and event.stream_id != call.stream_id:
            transport.report_bad_input("wrong-stream", f"stop for another stream ({event.stream_id[:40]!r})")
            return
        transport.call_ended = True
        logger.info("%s: the carrier stopped the stream: the call is over", transport)
        await self.push_frame(CancelTaskFrame(reason="call ended"), FrameDirection.UPSTREAM)


class TelephonyOutputTransport(BaseOutputTransport):
    """Sends the bot's paced audio to the carrier; drops RTVI messages; ``clear`` and ``mark``."""

    def __init__(self, transport: TelephonyTransport, *, name: str | None = None) -> None:
        super().__init__(transport.params, name=name)
        self._transport = transport
        self._ended_by_bot = False

    async def write_message(self, frame: OutputTransportMessageFrame | OutputTransportMessageUrgentFrame) -> None:
        self._transport.rtvi_dropped += 1  # never down a phone stream (Pipecat issue #3634)

    async def write_audio(self, frame: OutputAudioRawFrame) -> None:
        await self._transport.send_audio(frame.audio, frame.sample_rate)

    async def clear_audio(self) -> None:
        await self._transport.send_clear()

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, TTSStoppedFrame):
            await self._transport.send_mark()

    async def stop(self, frame: EndFrame) -> None:
        self._ended_by_bot = True
        await super().stop(frame)

    async def close(self) -> None:
        await self._transport.end_call(self.runtime.task, hang_up=self._ended_by_bot)


class TelephonyTransport(ConnectionTransport[TelephonyInputTransport, TelephonyOutputTransport], Component):
    """A phone call on ``rtvi run``'s server: the carrier's media stream at ``/ws``.

    Built from the carrier (its protocols and the bot file's credentials) and the
    ``[transport]`` settings. ``call`` is the call once its ``start`` arrived;
    ``session_data`` receives it as ``"call"`` (the server hands it the session's
    ``BotSession.data``).
    """

    #: The carrier whose calls this transport carries.
    CARRIER: ClassVar[type[Carrier]]
    #: This carrier's defaults for :class:`~.settings.TelephonySettings` (its bot-file defaults too).
    SETTINGS: ClassVar[dict[str, Any]] = {}

    def __init__(
        self,
        carrier: Carrier | None = None,
        settings: TelephonySettings | None = None,
        *,
        params: TransportParams | None = None,
        name: str | None = None,
    ) -> None:
        settings = settings or TelephonySettings(**self.SETTINGS)
        if carrier is None:
            carrier = self.carrier_from(settings, None)
        if params is None:
            params = TransportParams(
                audio_in_enabled=True,
                audio_out_enabled=True,
                audio_out_sample_rate=carrier.output_rate,
                audio_out_10ms_chunks=max(1, settings.packet_ms // 10),
                audio_out_ahead_secs=settings.send_ahead_ms / 1000,
            )
        super().__init__(params, name=name)
        self.carrier = carrier
        #: The ``[transport]`` keys: the server's and the call's, and the carrier's (credentials).
        self.settings = settings
        self.keys = carrier.keys
        #: The call, once the carrier's ``start`` arrived.
        self.call: CallInfo | None = None
        #: Where the call goes as session data (``BotSession.data`` on the server).
        self.session_data: dict[str, Any] = {}
        #: True once the carrier stopped the stream (the caller hung up).
        self.call_ended = False
        #: RTVI messages the output dropped (never sent down the phone stream).
        self.rtvi_dropped = 0
        #: Marks sent and marks the carrier acknowledged, and clears sent.
        self.marks_sent = 0
        self.marks_played: list[str] = []
        self.clears_sent = 0
        self.bad_input = 0
        self._unmarked = False
        self._converter: RateConverter | None = None
        self._refusals = ThrottledLog(logger)
        self._input = TelephonyInputTransport(self, name=f"{self.name}.input")
        self._output = TelephonyOutputTransport(self, name=f"{self.name}.output")

    @classmethod
    def from_config(cls, config: Any) -> TelephonyTransport:
        from .plugin import split_transport_config

        settings, keys = split_transport_config(cls, config)
        return cls(cls.carrier_from(settings, keys), settings)

    @classmethod
    def carrier_from(cls, settings: TelephonySettings, keys: Any) -> Carrier:
        """This transport's carrier with the bot file's keys (a ``CARRIER.KEYS`` record; None: unset) and settings."""
        return cls.CARRIER(keys, validate_signatures=settings.validate_signatures, api_base_url=settings.api_base_url)

    @classmethod
    async def serve(
        cls, sessions: SessionFactory, *, host: str, port: int, on_listening: Callable[[str, int], None] | None = None
    ) -> None:
        """Serve ``sessions`` on ``host:port`` until SIGTERM/SIGINT (what ``rtvi run`` calls), as the
        websocket transport does."""
        from rtvi_websocket.transport import WebSocketTransport

        await WebSocketTransport.serve(sessions, host=host, port=port, on_listening=on_listening)

    @classmethod
    def frontend(cls, config: Any) -> TelephonyFrontend:
        """Its part of a session server (the webhook at ``/``, media streams at ``/ws``)."""
        from .frontend import telephony_frontend
        from .plugin import split_transport_config

        settings, keys = split_transport_config(cls, config)
        return telephony_frontend(cls.PLUGIN_NAME)(settings, cls.carrier_from(settings, keys))

    # -- in ---------------------------------------------------------------------------------

    def in_call(self, stream_id: str | None, what: str) -> CallInfo | None:
        """The call, if a message (``what``) for ``stream_id`` belongs to it; else None, reported."""
        call = self.call
        if call is None:
            self.report_bad_input(f"{what}-before-start", f"{what} before the start message")
        elif stream_id is not None and stream_id != call.stream_id:
            self.report_bad_input("wrong-stream", f"{what} for another stream ({stream_id[:40]!r})")
            return None
        return call

    def mark_played(self, name: str) -> None:
        """The carrier played (or cleared) our audio up to the mark ``name``."""
        if len(self.marks_played) < 1000:
            self.marks_played.append(name)

    def report_bad_input(self, kind: str, message: str) -> None:
        """Drop a bad message: logged once a minute per kind; the stream is closed after ``max_malformed``."""
        self.bad_input += 1
        connection = self._connection
        peer = connection.peer if connection is not None else "?"
        self._refusals.warning(kind, "%s: dropped bad input from %s (%s): %s", self, peer, kind, message)
        if self.bad_input >= self.settings.max_malformed and connection is not None:
            logger.warning("%s: %d bad messages from %s: closing the stream", self, self.bad_input, peer)
            connection.close(close_codes.POLICY_VIOLATION, f"too many malformed messages ({self.bad_input})")

    # -- out --------------------------------------------------------------------------------

    async def send(self, message: dict[str, Any]) -> None:
        """Send one JSON message to the carrier, waiting while it is not reading."""
        connection = self._connection
        if connection is not None:
            connection.send_text(_encode(message))
            if connection.write_paused:
                await connection.drain()

    async def send_audio(self, pcm: bytes, sample_rate: int) -> None:
        """Send one packet of bot audio (PCM16 at ``sample_rate``) in the call's format."""
        call = self.call
        if call is None:
            return  # no stream to play it on yet
        fmt = call.media_format
        if sample_rate != fmt.sample_rate:  # the call streams at another rate than the bot file said
            if self._converter is None:
                self._converter = RateConverter(fmt.sample_rate, owner=self)
            pcm = self._converter.convert(pcm, sample_rate)
        self._unmarked = True
        payload = base64.b64encode(fmt.encode(pcm)).decode("ascii")
        await self.send(self.carrier.media(call.stream_id, payload, fmt))

    async def send_mark(self) -> None:
        """After an utterance: a mark the carrier echoes once it has played it."""
        call = self.call
        if call is not None and self._unmarked:
            self._unmarked = False
            self.marks_sent += 1
            await self.send(self.carrier.mark(call.stream_id, f"utterance-{self.marks_sent}"))

    async def send_clear(self) -> None:
        """An interruption: the carrier drops the bot audio it holds."""
        call = self.call
        if call is not None and not self.call_ended:
            self._unmarked = False
            self.clears_sent += 1
            await self.send(self.carrier.clear(call.stream_id))

    async def end_call(self, task: Any, *, hang_up: bool) -> None:
        """The run is over: hang the call up if the bot ended it, then close the stream."""
        call = self.call
        if (
            hang_up
            and call is not None
            and not self.call_ended
            and self.settings.hang_up_on_end
            and self.carrier.HANGS_UP
        ):
            await self.hang_up(call)
        if self._connection is not None:
            self._connection.close(*close_codes.end_of_run(task))

    async def hang_up(self, call: CallInfo) -> None:
        """End ``call`` through the carrier's REST API (errors are logged, never raised)."""
        rest = self.carrier.rest()
        if rest is None:
            logger.warning(
                "%s: cannot hang up call %s: the bot file has no %s API credentials", self, call.call_id, call.carrier
            )
            return
        try:
            with anyio.fail_after(HANG_UP_TIMEOUT_SECS):
                await rest.hang_up(call.call_id)
        except Exception as exc:
            logger.warning("%s: hanging up call %s failed: %s", self, call.call_id, exc)
        else:
            self.call_ended = True
            logger.info("%s: hung up call %s", self, call.call_id)
