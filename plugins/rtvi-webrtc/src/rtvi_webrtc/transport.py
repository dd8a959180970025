"""``WebRTCTransport``: one browser client over WebRTC, as the pipeline's input and output."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from rtvi_core.capabilities import BotCapabilities
from rtvi_core.frames import (
    OutputAudioRawFrame,
    OutputTransportMessageFrame,
    OutputTransportMessageUrgentFrame,
    UserImageRawFrame,
)
from rtvi_core.plugins import Component, LazyConfig
from rtvi_core.rtvi.messages import ErrorData, ErrorMessage
from rtvi_core.services.input_transport import BaseInputTransport
from rtvi_core.services.output_transport import BaseOutputTransport
from rtvi_core.services.transport import BaseTransport
from rtvi_core.services.transport_params import TransportParams

from .datachannel import BadMessage, Inbound, RTVIMessage, TrackStatus, encode_message
from .log import logger

if TYPE_CHECKING:
    from rtvi_core.serving import SessionFactory

    from .audio_out import BotAudioTrack
    from .frontend import WebRTCFrontend

logger = logger.getChild("transport")

#: Bot audio: mono, 20 ms chunks (one Opus packet each), at the run's output rate.
DEFAULT_PARAMS: dict[str, Any] = {
    "audio_in_enabled": True,
    "audio_out_enabled": True,
    "audio_out_channels": 1,
    "audio_out_10ms_chunks": 2,
}


class ClientLink(Protocol):
    """What the transport needs of the client's connection (the server's session gives it)."""

    peer_address: str

    def send_text(self, text: str) -> None:
        """Send one text message on the data channel."""

    @property
    def audio_out(self) -> BotAudioTrack:
        """The bot's outbound audio track."""

    def end(self, reason: str, *, failed: bool = False) -> None:
        """End the client's connection (the pipeline ended, or the client misbehaved)."""


class WebRTCInputTransport(BaseInputTransport):
    """Data-channel messages, the microphone, and the camera and screen images into the pipeline."""

    def __init__(self, transport: WebRTCTransport, *, name: str | None = None) -> None:
        super().__init__(transport.params, name=name)
        self._transport = transport

    @property
    def capabilities(self) -> BotCapabilities:
        """``audio_in`` as configured; ``video_in`` and ``screen_in`` when the bot takes video."""
        takes_video = self._transport.takes_video
        return BotCapabilities(audio_in=self.params.audio_in_enabled, video_in=takes_video, screen_in=takes_video)

    async def push_image(
        self, image: bytes, size: tuple[int, int], source: str, *, user_id: str = "", pts: int | None = None
    ) -> None:
        """Push an RGB image from ``source`` (``"camera"``, ``"screenVideo"``) as a ``UserImageRawFrame``.

        Dropped outside the run (before the StartFrame, after the EndFrame/CancelFrame).
        """
        if not self.has_started:
            return
        frame = UserImageRawFrame(image, size, "RGB", user_id=user_id)
        frame.transport_source = source
        frame.pts = pts
        await self.push_frame(frame)

    async def receive(self, inbound: Inbound) -> None:
        """Handle one decoded data-channel message."""
        if isinstance(inbound, RTVIMessage):
            await self.push_message(inbound.message)
        elif isinstance(inbound, BadMessage):
            self._transport.report_bad_input(inbound.reason)
        elif isinstance(inbound, TrackStatus) and inbound.track == "microphone":
            self._transport.microphone_on = inbound.enabled
        elif isinstance(inbound, TrackStatus) and inbound.enabled:
            self._transport.track_enabled(inbound.track)


class WebRTCOutputTransport(BaseOutputTransport):
    """RTVI messages on the data channel; the bot's audio on its Opus track."""

    def __init__(self, transport: WebRTCTransport, *, name: str | None = None) -> None:
        super().__init__(transport.params, name=name)
        self._transport = transport

    async def write_message(self, frame: OutputTransportMessageFrame | OutputTransportMessageUrgentFrame) -> None:
        link = self._transport.link
        if link is not None:
            link.send_text(encode_message(frame.message))

    async def write_audio(self, frame: OutputAudioRawFrame) -> None:
        link = self._transport.link
        if link is not None:
            link.audio_out.write(frame.audio, frame.sample_rate, frame.num_channels)

    async def clear_audio(self) -> None:
        link = self._transport.link
        if link is not None:
            link.audio_out.clear()

    async def close(self) -> None:
        link = self._transport.link
        if link is not None:
            failure = self.runtime.task.fatal_error
            link.end(
                "session ended" if failure is None else f"the bot failed: {failure.error}", failed=failure is not None
            )


class WebRTCTransport(BaseTransport, Component):
    """A browser connected over WebRTC, as the stock ``@pipecat-ai/small-webrtc-transport`` does.

    RTVI messages travel as JSON text on the client's ``chat`` data channel; the user's
    microphone arrives as Opus (decoded, downmixed and resampled to the input rate); the
    bot's audio leaves as mono Opus, paced at real time, emptied at once on an
    interruption. With ``takes_video``, the camera and screen share arrive as
    ``UserImageRawFrame`` (RGB, ``transport_source`` ``"camera"`` / ``"screenVideo"``),
    ``video_in_framerate`` a second from each, at most ``video_in_max_width`` wide;
    without, their m-lines are answered ``inactive``. A malformed data-channel message is answered with an RTVI ``error``
    (not fatal); the session ends after ``max_malformed`` of them.
    """

    PLUGIN_NAME: ClassVar[str] = "webrtc"
    DESCRIPTION: ClassVar[str] = "WebRTC server for the stock Pipecat SmallWebRTC client (aiortc)"
    #: The page ``rtvi run`` points people to: Pipecat's prebuilt UI (when installed).
    PAGE: ClassVar[tuple[str, str]] = ("Pipecat prebuilt UI", "/client/")
    Config = LazyConfig("rtvi_webrtc.plugin:WebRTCTransportConfig")

    def __init__(
        self,
        params: TransportParams | None = None,
        *,
        max_malformed: int = 20,
        takes_video: bool = False,
        video_in_framerate: float = 1.0,
        video_in_max_width: int = 1280,
        name: str | None = None,
    ) -> None:
        super().__init__(params or TransportParams(**DEFAULT_PARAMS), name=name)
        self.max_malformed = max_malformed
        self.takes_video = takes_video
        self.video_in_framerate = video_in_framerate
        self.video_in_max_width = video_in_max_width
        self.link: ClientLink | None = None
        #: False while the client says its microphone is off (``trackStatus``): its audio is dropped.
        self.microphone_on = True
        self._input = WebRTCInputTransport(self, name=f"{self.name}.input")
        self._output = WebRTCOutputTransport(self, name=f"{self.name}.output")
        self._bad_input = 0

    @classmethod
    def from_config(cls, config: Any) -> WebRTCTransport:
        from .plugin import split_transport_config

        params, settings = split_transport_config(config)
        return cls(
            TransportParams(**params),
            max_malformed=settings.max_malformed,
            takes_video=settings.video_in_enabled,
            video_in_framerate=settings.video_in_framerate,
            video_in_max_width=settings.video_in_max_width,
        )

    @classmethod
    async def serve(
        cls, sessions: SessionFactory, *, host: str, port: int, on_listening: Callable[[str, int], None] | None = None
    ) -> None:
        """Serve ``sessions`` on ``host:port`` until SIGTERM/SIGINT (what ``rtvi run`` calls)."""
        from rtvi_core.server.bot_server import serve_bot

        await serve_bot(sessions, host=host, port=port, on_listening=on_listening)

    @classmethod
    def frontend(cls, config: Any) -> WebRTCFrontend:
        """Its part of a session server, with the settings of its validated ``config``."""
        from .frontend import WebRTCFrontend
        from .plugin import split_transport_config

        return WebRTCFrontend(split_transport_config(config)[1])

    def input(self) -> WebRTCInputTransport:
        return self._input

    def output(self) -> WebRTCOutputTransport:
        return self._output

    def track_enabled(self, track: str) -> None:
        """The client turned its camera or screen on: an RTVI ``error`` when the bot takes no video."""
        if not self.takes_video:
            self._send_error(f"this bot takes no video: the {track} is not used", fatal=False)

    def report_fatal(self, error: str) -> None:
        """Tell the client, with a fatal RTVI ``error``, why its session ends."""
        self._send_error(error, fatal=True)

    def _send_error(self, error: str, *, fatal: bool) -> None:
        if self.link is not None:
            self.link.send_text(encode_message(ErrorMessage(data=ErrorData(error=error, fatal=fatal))))

    def report_bad_input(self, error: str) -> None:
        """Answer a bad message with an RTVI ``error``; end the session when there are too many."""
        self._bad_input += 1
        link = self.link
        if link is None:
            return
        logger.info("%s: bad input from %s: %s", self, link.peer_address, error)
        self._send_error(error, fatal=False)
        if self._bad_input >= self.max_malformed:
            link.end(f"too many malformed messages ({self._bad_input})", failed=True)
