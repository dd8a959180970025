"""``WebRTCSession``: one client's bot session, its peer connection and its timers."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Coroutine, Sequence
from typing import TYPE_CHECKING, Any, Final

import anyio
from aiortc import RTCIceServer
from aiortc.mediastreams import MediaStreamTrack

from rtvi_core.frames import ClientConnectedFrame
from rtvi_core.server.limits import RateLimiter
from rtvi_core.server.sessions import SessionRunner

from .audio_in import MicrophoneReceiver
from .audio_out import BotAudioTrack
from .datachannel import Ping, decode_inbound
from .log import logger
from .peer import Peer
from .rtp_tap import tap_audio_receiver
from .settings import WebRTCSettings
from .signalling import IceCandidateBody
from .video_in import SOURCES, VideoReader

if TYPE_CHECKING:
    from rtvi_core.server.server import SessionServer

    from .transport import WebRTCTransport

logger = logger.getChild("session")

#: Data-channel messages waiting for the pipeline; beyond, the session ends (the rate
#: limit ends a flood first: this bounds a pipeline that stopped reading).
MAX_INBOX: Final = 512


class WebRTCSession(SessionRunner):
    """Runs one bot session (a ``BotSession``) for one browser's peer connection.

    The pipeline starts with the first offer (providers warm up while ICE runs); the
    client counts as connected once its peer connection is ``connected`` and its data
    channel open, which must happen within ``connect_timeout_secs`` of the answer. The
    session ends when the pipeline ends (the client gets ``peerLeft``), when the peer
    connection fails or closes, when the client sends nothing on the data channel for
    ``peer_timeout_secs`` or no RTVI message nor audio for ``idle_timeout_secs``, on a
    message flood, or on :meth:`end`; its peer connection is closed then, whatever its
    state. A ``restart_pc`` offer replaces the peer connection and keeps the pipeline.
    """

    def __init__(
        self,
        server: SessionServer,
        bot: Any,
        client: str,
        settings: WebRTCSettings,
        *,
        ice_servers: Sequence[RTCIceServer] = (),
        host_addresses: tuple[str, ...] | None = None,
        on_released: Callable[[WebRTCSession], None] = lambda _session: None,
    ) -> None:
        super().__init__(server, bot, client)
        self.transport: WebRTCTransport = bot.transport
        self.settings = settings
        self._ice_servers = list(ice_servers)
        self._host_addresses = host_addresses
        self._on_released = on_released
        rate = settings.max_messages_per_sec
        self._limiter = RateLimiter(rate, 2 * rate, time.monotonic()) if rate > 0 else None
        self._inbox: deque[str | bytes] = deque()
        self._wakeup = asyncio.Event()
        self._readers: set[asyncio.Task[None]] = set()
        self._last_heard = self._last_active = time.monotonic()
        self._connect_deadline = time.monotonic() + settings.connect_timeout_secs
        self._end_reason: str | None = None
        self._connected = False
        self._reported_connected = False
        self._closing: asyncio.Task[None] | None = None
        self.audio_out = BotAudioTrack(bitrate=settings.audio_out_bitrate)
        self._peer = self._new_peer()
        self.transport.link = self

    @property
    def peer_address(self) -> str:
        """The client's address (for log lines)."""
        return self.peer

    @property
    def connection(self) -> Peer:
        """The client's current peer connection."""
        return self._peer

    @property
    def ending(self) -> bool:
        """True once the session is ending (its peer connection can no longer be used)."""
        return self._end_reason is not None

    @property
    def pc_id(self) -> str:
        """The current peer connection's id (a restart gives a new one)."""
        return self._peer.pc_id

    # -- ClientLink ----------------------------------------------------------------------

    def send_text(self, text: str) -> None:
        """Send one message to the client on the data channel."""
        self._peer.send(text)

    def end(self, reason: str, *, failed: bool = False) -> None:
        """End the session (once): the pipeline is cancelled and the peer connection closed."""
        if self._end_reason is not None:
            return
        self._end_reason = reason
        (logger.warning if failed else logger.info)("session %s (%s) ends: %s", self.pc_id, self.peer, reason)
        self._wakeup.set()
        self.leave(reason)

    # -- signalling ----------------------------------------------------------------------

    async def answer(self, sdp: str) -> dict[str, str]:
        """Answer an offer on the current peer connection (the first one, or a renegotiation)."""
        answer = await self._peer.answer(sdp)
        return {"sdp": answer.sdp, "type": answer.type, "pc_id": self._peer.pc_id}

    async def restart(self, sdp: str) -> dict[str, str]:
        """Replace the peer connection (the client's ``restart_pc``), keeping the pipeline."""
        old, self._connected = self._peer, False
        self._peer = self._new_peer()
        for reader in list(self._readers):
            reader.cancel()
        await old.close(tell_client=False)
        self._connect_deadline = time.monotonic() + self.settings.connect_timeout_secs
        return await self.answer(sdp)

    async def add_candidates(self, candidates: Sequence[IceCandidateBody]) -> None:
        """Add the client's trickled candidates."""
        await self._peer.add_candidates(candidates)

    def _new_peer(self) -> Peer:
        self.audio_out = BotAudioTrack(bitrate=self.settings.audio_out_bitrate)
        return Peer(
            ice_servers=self._ice_servers,
            ice_transport_policy=self.settings.ice_transport_policy,
            host_addresses=self._host_addresses,
            take_video=self.transport.takes_video,
            audio_out=self.audio_out,
            on_message=self._on_message,
            on_track=self._on_track,
            on_state=self._on_state,
            on_channel_open=self._check_connected,
        )

    # -- peer events ---------------------------------------------------------------------

    def _on_message(self, data: str | bytes) -> None:
        now = time.monotonic()
        self._last_heard = now
        limiter = self._limiter
        if limiter is not None and not limiter.allow(now):
            self.transport.report_fatal(f"more than {limiter.rate:g} data-channel messages per second")
            self.end("message rate limit exceeded", failed=True)
            return
        if len(self._inbox) >= MAX_INBOX:
            self.end("the bot is not reading the client's messages", failed=True)
            return
        self._inbox.append(data)
        self._wakeup.set()

    def _on_track(self, track: MediaStreamTrack, mid: str | None, receiver: Any) -> None:
        if track.kind == "audio":
            rate = self.transport.input().sample_rate or 16000
            microphone = MicrophoneReceiver(
                rate, self._push_audio, reorder_secs=self.settings.audio_in_reorder_ms / 1000
            )
            tap_audio_receiver(receiver, microphone)
            self._start_reader(microphone.run(track), "microphone")
            return
        source = SOURCES.get(mid or "")
        if not self.transport.takes_video or source is None:
            return  # its m-line is answered inactive: no RTP, no decoder
        reader = VideoReader(
            track,
            receiver,
            source,
            framerate=self.transport.video_in_framerate,
            max_width=self.transport.video_in_max_width,
            sink=self._push_image,
            started=self.transport.input().wait_started,
        )
        self._start_reader(reader.run(), source)

    def _start_reader(self, reading: Coroutine[Any, Any, None], what: str) -> None:
        task = asyncio.get_running_loop().create_task(reading, name=f"{what} {self.pc_id}")
        self._readers.add(task)
        task.add_done_callback(self._readers.discard)

    async def _push_audio(self, pcm: bytes, rate: int) -> None:
        self._last_active = time.monotonic()
        if self.transport.microphone_on:  # a muted microphone's audio (silence, or not) is not the user's
            await self.transport.input().push_audio(pcm, rate, 1)

    async def _push_image(self, image: bytes, size: tuple[int, int], source: str, pts: int | None) -> None:
        await self.transport.input().push_image(image, size, source, user_id=self.pc_id, pts=pts)

    def _on_state(self, peer: Peer, state: str) -> None:
        if peer is not self._peer:
            return  # a peer connection replaced by a restart, closing
        if state == "connected":
            self._connected = True
            self._check_connected()
        elif state in ("failed", "closed") and not peer.closed:
            self.end(f"the peer connection {state}")

    def _check_connected(self) -> None:
        if self._connected and self._peer.channel_open:
            self._wakeup.set()

    # -- SessionRunner -------------------------------------------------------------------

    async def pump(self) -> None:
        """Deliver data-channel messages; watch the connect, peer and idle deadlines."""
        input_transport = self.transport.input()
        await input_transport.wait_started()
        inbox = self._inbox
        while self._end_reason is None:
            if not self._reported_connected and self._connected and self._peer.channel_open:
                self._reported_connected = True
                self._last_heard = self._last_active = time.monotonic()
                await input_transport.push_frame(ClientConnectedFrame())
                await self.transport._call_event_handler("on_client_connected", self.pc_id)
            while inbox and self._end_reason is None:
                inbound = decode_inbound(inbox.popleft(), self.settings.max_datachannel_message_bytes)
                if not isinstance(inbound, Ping):
                    self._last_active = time.monotonic()
                await input_transport.receive(inbound)
            wait = self._until_next_deadline()
            if wait is None or wait > 0:
                self._wakeup.clear()
                with anyio.move_on_after(wait if wait is not None else float("inf")):
                    await self._wakeup.wait()
        if self._reported_connected:
            await self.transport._call_event_handler("on_client_disconnected", self.pc_id)

    def _until_next_deadline(self) -> float | None:
        """Seconds until the next deadline (None: none); ends the session when one has passed."""
        now = time.monotonic()
        if not self._reported_connected:
            if now >= self._connect_deadline:
                self.end(self._not_connected_reason(), failed=True)
                return 0
            return self._connect_deadline - now
        waits = []
        for last, limit, what in (
            (self._last_heard, self.settings.peer_timeout_secs, "nothing from the client"),
            (self._last_active, self.settings.idle_timeout_secs, "no message nor audio from the client"),
        ):
            if limit:
                if now - last >= limit:
                    self.end(f"{what} for {limit:g} s")
                    return 0
                waits.append(last + limit - now)
        return min(waits) if waits else None

    def _not_connected_reason(self) -> str:
        pc = self._peer.pc
        return (
            f"ICE/DTLS did not complete in {self.settings.connect_timeout_secs:g} s "
            f"(connection {pc.connectionState}, ICE {pc.iceConnectionState}, "
            f"data channel {'open' if self._peer.channel_open else 'not open'})"
        )

    def end_link(self, failed: bool, reason: str) -> None:
        for reader in list(self._readers):
            reader.cancel()
        self._closing = asyncio.get_running_loop().create_task(self._peer.close(), name=f"close {self.pc_id}")

    def released(self) -> None:
        self.transport.link = None
        self._on_released(self)

    async def closed(self) -> None:
        """Wait until the peer connection is closed (after the session ended)."""
        if self._closing is not None:
            await self._closing
