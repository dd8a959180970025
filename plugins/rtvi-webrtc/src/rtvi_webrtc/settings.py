"""``WebRTCSettings``: the server's settings, with the keys only the webrtc transport has."""

from __future__ import annotations

from typing import Literal

from rtvi_core.records import record, setting
from rtvi_core.server.limits import ServerSettings

from .ice_servers import IceServer


@record
class WebRTCSettings(ServerSettings):
    """The ``[transport]`` keys of a webrtc bot file: the shared server settings
    (:class:`~rtvi_core.server.limits.ServerSettings`) and how each peer connection is
    made, bounded and ended.

    ``ice_servers``: the STUN/TURN servers the server's own ICE agent uses (aiortc uses
    the first STUN and the first TURN); ``client_ice_servers``: what ``POST /start``
    tells the browser to use (``None``: the same). ``ice_host_addresses``: ``"auto"``
    gathers on every interface but loopback (loopback when there is no other),
    ``"loopback"`` on 127.0.0.1 only; a list names the addresses. ``connect_timeout_secs`` runs from the
    answer to a connected peer with an open data channel; ``peer_timeout_secs`` ends a
    session whose client sent nothing on the data channel that long (the stock client
    pings every second). ``video_in_enabled`` answers the camera and screen m-lines
    ``recvonly`` and pushes a ``UserImageRawFrame`` (RGB) from each of them
    ``video_in_framerate`` times a second, at most ``video_in_max_width`` pixels wide.
    ``audio_in_reorder_ms`` bounds how long microphone packets behind a lost one wait.
    """

    ice_servers: tuple[IceServer, ...] = setting(
        default=(),
        description='STUN/TURN servers of the server\'s ICE agent: "stun:host:port" or {urls, username, credential}',
    )
    client_ice_servers: tuple[IceServer, ...] | None = setting(
        default=None, description="ICE servers POST /start gives the browser (iceConfig); None: ice_servers"
    )
    default_ice_servers: tuple[IceServer, ...] = setting(
        default=(),
        description="ICE servers for a client asking enableDefaultIceServers (Pipecat's prebuilt UI does); empty: none",
    )
    ice_host_addresses: Literal["auto", "loopback"] | tuple[str, ...] = setting(
        default="auto",
        description='host candidates: "auto" (every interface but loopback, as Pipecat; loopback when there is no '
        'other), "loopback" (127.0.0.1 only: media never leaves the machine) or a list of IP addresses',
    )
    ice_transport_policy: Literal["all", "relay"] = setting(
        default="all", description='"all", or "relay" to send media through TURN only'
    )
    connect_timeout_secs: float = setting(
        default=30.0, description="from the answer to a connected peer with its data channel open", gt=0
    )
    peer_timeout_secs: float = setting(
        default=20.0,
        description="end a session whose client sent nothing on the data channel this long; 0 = ICE consent only",
        ge=0,
    )
    start_ttl_secs: float = setting(
        default=60.0, description="how long a POST /start session id waits for its first offer", gt=0
    )
    max_datachannel_message_bytes: int = setting(
        default=64 * 1024, description="largest data-channel message (an RTVI error beyond)", ge=1024, le=256 * 1024
    )
    audio_in_reorder_ms: int = setting(
        default=60,
        description="how long microphone packets after a missing one wait for it before it is concealed "
        "(milliseconds; 0 = conceal at once). Packets in order are never delayed",
        ge=0,
        le=500,
    )
    audio_out_bitrate: int = setting(
        default=32000, description="the bot's mono Opus bitrate (bits per second)", ge=6000, le=510000
    )
    video_in_enabled: bool = setting(
        default=False,
        description="take the user's camera and screen share as image frames (false: their m-lines are answered inactive)",
    )
    video_in_framerate: float = setting(
        default=1.0,
        description="images per second pushed from each video track (camera, screen); 0 = none (nothing decoded)",
        ge=0,
        le=30,
    )
    video_in_max_width: int = setting(
        default=1280, description="wider images are scaled down to this width, keeping their aspect", ge=16, le=3840
    )
