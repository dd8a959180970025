"""``WebRTCSession``: one client's bot session, its peer connection and its timers."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any, Final

import anyio
from aiortc import RTCIceServer
from aiortc.mediastreams import MediaStreamTrack
from rtvi_websocket.limits import RateLimiter  # FIXME server-core: rtvi_core.server.limits

from rtvi_core.frames import ClientConnectedFrame

from .audio_in import MicrophoneReader
from .audio_out import BotAudioTrack
from .datachannel import Ping, decode_inbound
from .log import logger
from .peer import Peer
from .settings import WebRTCSettings
from .signalling import IceCandidateBody
from .transport import WebRTCTransport

logger = logger.getChild("session")

#: Data-channel messages waiting for the pipeline; beyond, the session ends (the rate
#: limit ends a flood first: this bounds a pipeline that stopped reading).
MAX_INBOX: Final = 512


class WebRTCSession:
    """Runs one bot session (a ``BotSession``) for one browser's peer connection.

    The pipeline starts with the first offer (providers warm up while ICE runs); the
    client counts as connected once its peer connection is ``connected`` and its data
    channel open, within ``connect_timeout_secs`` of the answer. It ends when the
    pipeline ends (the client gets ``peerLeft``), when the peer connection fails or
    closes, when the client sends nothing on the data channel for ``peer_timeout_secs``,
    or on :meth:`end`; its peer connection is closed then, whatever the state.
    A ``restart_pc`` offer replaces the peer connection and keeps the pipeline.
    """

    def __init__(
        self,
        bot: Any,
        settings: WebRTCSettings,
        *,
        client: str,
        max_messages_per_sec: float,
        idle_timeout_secs: float,
        ice_servers: Sequence[RTCIceServer] = (),
        host_addresses: tuple[str, ...] | None = None,
        on_ended: Callable[[WebRTCSession], None] = lambda _session: None,
    ) -> None:
        self.bot = bot
        self.transport: WebRTCTransport = bot.transport
        self.peer_address = client
        self.settings = settings
        self._ice_servers = list(ice_servers)
        self._host_addresses = host_addresses
        self._on_ended = on_ended
        self._limiter = RateLimiter(max_messages_per_sec, 2 * max_messages_per_sec, time.monotonic())
        self._limited = max_messages_per_sec > 0
        self._idle_timeout = idle_timeout_secs
        self._inbox: deque[str | bytes] = deque()
        self._wakeup: asyncio.Event = asyncio.Event()
        self._readers: set[asyncio.Task[None]] = set()
        self._last_heard = self._last_active = time.monotonic()
        self._end_reason: str | None = None
        self._ended = asyncio.Event()
        self._connected = False
        self._reported_connected = False
        self._connect_deadline = 0.0
        self.audio_out = BotAudioTrack(bitrate=settings.audio_out_bitrate)
        self._peer = self._new_peer()
        self.transport.link = self

    @property
    def peer(self) -> Peer:
        """The client's current peer connection."""
        return self._peer

    # -- ClientLink ----------------------------------------------------------------------

    def send_text(self, text: str) -> None:
        """Send one message to the client on the data channel."""
        self._peer.send(text)

    def end(self, reason: str, *, failed: bool = False) -> None:
        """End the session (once): the pipeline is cancelled and the peer closed."""
        if self._end_reason is None:
            self._end_reason = reason
            level = logger.warning if failed else logger.info
            level("session %s (%s) ends: %s", self.pc_id, self.peer_address, reason)
        self._ended.set()
        self._wakeup.set()

    # -- signalling ----------------------------------------------------------------------

    @property
    def pc_id(self) -> str:
        """The current peer connection's id (a restart gives a new one)."""
        return self._peer.pc_id

    async def answer(self, sdp: str) -> dict[str, str]:
        """Answer an offer on the current peer connection (the first one, or a renegotiation)."""
        answer = await self._peer.answer(sdp)
        return {"sdp": answer.sdp, "type": answer.type, "pc_id": self._peer.pc_id}

    async def restart(self, sdp: str) -> dict[str, str]:
        """Replace the peer connection (the client's ``restart_pc``), keeping the pipeline."""
        old, self._connected = self._peer, False
        self._peer = self._new_peer()
        await old.close(tell_client=False)
        self._arm_connect_deadline()
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
            take_video=self.settings.video_in_enabled,
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
        if self._limited and not self._limiter.allow(now):
            self.transport.report_fatal(f"more than {self._limiter.rate:g} data-channel messages per second")
            self.end("message rate limit exceeded", failed=True)
            return
        if len(self._inbox) >= MAX_INBOX:
            self.end("the bot is not reading the client's messages", failed=True)
            return
        self._inbox.append(data)
        self._wakeup.set()

    def _on_track(self, track: MediaStreamTrack) -> None:
        if track.kind != "audio":
            return  # video is answered inactive unless the bot takes it
        rate = self.transport.input().sample_rate or 16000
        reader = MicrophoneReader(track, rate, self._push_audio)
        task = asyncio.get_running_loop().create_task(reader.run(), name=f"microphone {self.pc_id}")
        self._readers.add(task)
        task.add_done_callback(self._readers.discard)

    async def _push_audio(self, pcm: bytes, rate: int) -> None:
        self._last_active = time.monotonic()
        await self.transport.input().push_audio(pcm, rate, 1)

    def _on_state(self, state: str) -> None:
        if state == "connected":
            self._connected = True
            self._check_connected()
        elif state in ("failed", "closed") and not self._peer.closed:
            self.end(f"the peer connection {state}")

    def _check_connected(self) -> None:
        if self._connected and self._peer.channel_open:
            self._wakeup.set()

    def _arm_connect_deadline(self) -> None:
        self._connect_deadline = time.monotonic() + self.settings.connect_timeout_secs

    # -- running -------------------------------------------------------------------------

    async def run(self) -> None:
        """Run the pipeline until it ends or the client goes; never raises."""
        task = self.bot.task
        self._arm_connect_deadline()
        try:
            async with anyio.create_task_group() as group:
                group.start_soon(self._pump)
                await task.run()
                group.cancel_scope.cancel()
        except Exception:
            logger.exception("session %s (%s) failed", self.pc_id, self.peer_address)
        finally:
            for reader in list(self._readers):
                reader.cancel()
            await self._peer.close()
            self.transport.link = None
            self._on_ended(self)

    async def _pump(self) -> None:
        """Deliver data-channel messages; watch the connect, peer and idle deadlines."""
        input_transport = self.transport.input()
        await input_transport.wait_started()
        inbox = self._inbox
        while not self._ended.is_set():
            if self._connected and self._peer.channel_open and not self._reported_connected:
                self._reported_connected = True
                self._last_heard = time.monotonic()
                await input_transport.push_frame(ClientConnectedFrame())
                await self.transport._call_event_handler("on_client_connected", self.pc_id)
            while inbox and not self._ended.is_set():
                inbound = decode_inbound(inbox.popleft(), self.settings.max_datachannel_message_bytes)
                if not isinstance(inbound, Ping):
                    self._last_active = time.monotonic()
                await input_transport.receive(inbound)
            timeout = self._next_deadline()
            if timeout is not None and timeout <= 0:
                continue
            self._wakeup.clear()
            with anyio.move_on_after(timeout if timeout is not None else float("inf")):
                await self._wakeup.wait()
        if self._reported_connected:
            await self.transport._call_event_handler("on_client_disconnected", self.pc_id)
        await self.bot.task.cancel(self._end_reason or "session ended")

    def _next_deadline(self) -> float | None:
        """Seconds until the next deadline; ends the session when one has passed."""
        now = time.monotonic()
        waits = []
        if not self._reported_connected:
            if now >= self._connect_deadline:
                self.end(self._not_connected_reason(), failed=True)
                return 0
            waits.append(self._connect_deadline - now)
        else:
            peer_timeout = self.settings.peer_timeout_secs
            if peer_timeout:
                if now - self._last_heard >= peer_timeout:
                    self.end(f"nothing from the client for {peer_timeout:g} s")
                    return 0
                waits.append(self._last_heard + peer_timeout - now)
            if self._idle_timeout:
                if now - self._last_active >= self._idle_timeout:
                    self.end(f"the client was idle for {self._idle_timeout:g} s")
                    return 0
                waits.append(self._last_active + self._idle_timeout - now)
        return min(waits) if waits else None

    def _not_connected_reason(self) -> str:
        pc = self._peer.pc
        return (
            f"ICE/DTLS did not complete in {self.settings.connect_timeout_secs:g} s "
            f"(connection {pc.connectionState}, ice {pc.iceConnectionState}, "
            f"data channel {'open' if self._peer.channel_open else 'not open'})"
        )
