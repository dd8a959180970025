"""``Peer``: one browser's ``RTCPeerConnection``, answered and torn down by the server."""

from __future__ import annotations

import asyncio
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any, Final

from aiortc import (
    RTCBundlePolicy,
    RTCConfiguration,
    RTCIceServer,
    RTCIceTransportPolicy,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamTrack
from aiortc.sdp import candidate_from_sdp

from . import ice
from .audio_out import BotAudioTrack
from .datachannel import signalling
from .log import logger
from .signalling import IceCandidateBody, parse_candidate

logger = logger.getChild("peer")

#: The stock client's video m-lines: the camera, then the screen share.
VIDEO_MIDS: Final = ("1", "2")

#: Messages for the client kept while its data channel is not open yet.
MAX_QUEUED_MESSAGES: Final = 64

ice.install()


class Peer:
    """The server's end of one client's peer connection.

    The client's offer is answered with the microphone m-line ``sendrecv`` (its track
    feeds the pipeline; :attr:`audio_out` plays the bot), the camera and screen m-lines
    (mids ``"1"`` and ``"2"``) ``recvonly`` when the bot takes video, other m-lines
    ``inactive`` (no decoder runs for them), and the client's ``chat`` data channel. Candidates are gathered on ``host_addresses``
    (see :mod:`rtvi_webrtc.ice`); on a loopback-only server remote candidates that are
    not loopback are dropped, so no packet is ever aimed off the machine.

    Callbacks: ``on_message(text_or_bytes)`` for each data-channel message,
    ``on_track(track, mid, receiver)`` for each remote track, ``on_state(peer, state)`` for each change of
    the connection state, ``on_channel_open()`` once the channel opens.
    """

    def __init__(
        self,
        *,
        ice_servers: Sequence[RTCIceServer] = (),
        ice_transport_policy: str = "all",
        host_addresses: tuple[str, ...] | None = None,
        take_video: bool = False,
        audio_out: BotAudioTrack,
        on_message: Callable[[str | bytes], None],
        on_track: Callable[[MediaStreamTrack, str | None, Any], None],
        on_state: Callable[[Peer, str], None],
        on_channel_open: Callable[[], None],
    ) -> None:
        self.pc_id = f"rtvi-{uuid.uuid4().hex}"
        self.audio_out = audio_out
        self._host_addresses = host_addresses
        self._loopback_only = ice.is_loopback_only(host_addresses)
        self._take_video = take_video
        self._on_message = on_message
        self._on_track = on_track
        self._on_state = on_state
        self._on_channel_open = on_channel_open
        self._channel: Any = None
        self._outbox: deque[str] = deque(maxlen=MAX_QUEUED_MESSAGES)
        self._closed = False
        policy = RTCIceTransportPolicy.RELAY if ice_transport_policy == "relay" else RTCIceTransportPolicy.ALL
        # iceServers must never be None: aiortc would then ask Google's STUN server.
        config = RTCConfiguration(
            iceServers=list(ice_servers), iceTransportPolicy=policy, bundlePolicy=RTCBundlePolicy.MAX_BUNDLE
        )
        self.pc = RTCPeerConnection(config)
        self.pc.on("datachannel", self._channel_opened)
        self.pc.on("track", self._track_arrived)
        self.pc.on("connectionstatechange", self._state_changed)

    # -- signalling -----------------------------------------------------------------------

    async def answer(self, offer_sdp: str) -> RTCSessionDescription:
        """Answer the client's offer (gathering every local candidate first)."""
        await self.pc.setRemoteDescription(RTCSessionDescription(self._usable_lines(offer_sdp), "offer"))
        for transceiver in self.pc.getTransceivers():
            if transceiver.kind == "audio" and transceiver.sender.track is None and transceiver.mid == "0":
                transceiver.direction = "sendrecv"
                transceiver.sender.replaceTrack(self.audio_out)
            elif transceiver.kind == "audio":
                transceiver.direction = "inactive"
            else:
                taken = self._take_video and transceiver.mid in VIDEO_MIDS
                transceiver.direction = "recvonly" if taken else "inactive"
        answer = await self.pc.createAnswer()
        with ice.gathering_on(self._host_addresses):
            await self.pc.setLocalDescription(answer)
        local = self.pc.localDescription
        return RTCSessionDescription(asking_for_fec(local.sdp), local.type)

    async def add_candidates(self, candidates: Sequence[IceCandidateBody]) -> int:
        """Add trickled candidates (already checked); returns how many were used."""
        used = 0
        for body in candidates:
            if body.candidate == "":
                await self.pc.addIceCandidate(None)
                continue
            if not self._usable(body.candidate):
                continue
            candidate = candidate_from_sdp(body.candidate.removeprefix("candidate:"))
            candidate.sdpMid = body.sdp_mid
            candidate.sdpMLineIndex = body.sdp_mline_index
            await self.pc.addIceCandidate(candidate)
            used += 1
        return used

    def _usable(self, line: str) -> bool:
        parsed = parse_candidate(line)
        if parsed.transport != "udp":
            return False  # aioice speaks UDP only (Chrome also offers TCP on port 9)
        return not self._loopback_only or parsed.is_loopback

    def _usable_lines(self, sdp: str) -> str:
        """``sdp`` without the candidate lines this server cannot or must not use."""
        lines = sdp.splitlines()
        kept = [
            line
            for line in lines
            if not line.startswith("a=candidate:") or (_parses(line[2:]) and self._usable(line[2:]))
        ]
        return "\r\n".join(kept) + "\r\n"

    # -- messages -------------------------------------------------------------------------

    @property
    def channel_open(self) -> bool:
        """True while the client's data channel is open."""
        return self._channel is not None and self._channel.readyState == "open"

    def send(self, text: str) -> None:
        """Send one text message on the data channel (kept until it opens; dropped once closed)."""
        if self._closed:
            return
        if self.channel_open:
            self._channel.send(text)
        else:
            self._outbox.append(text)

    @property
    def buffered_bytes(self) -> int:
        """Bytes sent on the data channel that SCTP has not passed on yet."""
        return int(self._channel.bufferedAmount) if self._channel is not None else 0

    def _channel_opened(self, channel: Any) -> None:
        if self._channel is not None:  # one channel per peer: the client's "chat"
            logger.info("peer %s: a second data channel %r is ignored", self.pc_id, channel.label)
            return
        self._channel = channel
        channel.on("message", self._on_message)
        while self._outbox and channel.readyState == "open":
            channel.send(self._outbox.popleft())
        self._on_channel_open()

    def _track_arrived(self, track: MediaStreamTrack) -> None:
        for transceiver in self.pc.getTransceivers():
            if transceiver.receiver.track is track:
                self._on_track(track, transceiver.mid, transceiver.receiver)
                return

    def _state_changed(self) -> None:
        self._on_state(self, self.pc.connectionState)

    # -- teardown -------------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._closed

    async def close(self, *, tell_client: bool = True) -> None:
        """Tell the client the bot left (``peerLeft``), then close the connection (idempotent)."""
        if self._closed:
            return
        self._closed = True
        if tell_client and self.channel_open:
            self._channel.send(signalling("peerLeft"))
            await asyncio.sleep(0)  # let SCTP take the message before the transport closes
        self.audio_out.stop()
        await self.pc.close()


def asking_for_fec(sdp: str) -> str:
    """``sdp`` with ``useinbandfec=1`` on its Opus payload types that have no ``a=fmtp`` line.

    Browsers add Opus's in-band FEC (when they see loss) only for a receiver asking for it,
    and aiortc's answer does not: the microphone's receive path rebuilds a lost packet from it.
    """
    lines = sdp.splitlines()
    has_fmtp = {line.split(" ", 1)[0][len("a=fmtp:") :] for line in lines if line.startswith("a=fmtp:")}
    out = []
    for line in lines:
        out.append(line)
        if line.startswith("a=rtpmap:") and line.lower().endswith(" opus/48000/2"):
            payload_type = line[len("a=rtpmap:") :].split(" ", 1)[0]
            if payload_type not in has_fmtp:
                out.append(f"a=fmtp:{payload_type} useinbandfec=1")
    return "\r\n".join(out) + "\r\n"


def _parses(line: str) -> bool:
    try:
        parse_candidate(line)
    except ValueError:
        return False
    return True
