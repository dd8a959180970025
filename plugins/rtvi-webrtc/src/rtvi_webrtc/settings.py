"""The WebRTC keys of a ``[transport] use = "webrtc"`` bot file (beside the shared server keys)."""

from __future__ import annotations

from typing import Any

from rtvi_core.records import record, setting


@record
class WebRTCSettings:
    """How each peer connection is made, bounded and ended.

    ``ice_servers``: the STUN/TURN servers the server's own ICE agent uses (aiortc uses
    the first STUN and the first TURN); ``client_ice_servers``: what ``POST /start``
    tells the browser to use (``None``: the same). ``ice_host_addresses``: ``"auto"``
    gathers on loopback only when the server listens on loopback, else on every
    interface; a list names the addresses. ``connect_timeout_secs`` runs from the
    answer to a connected peer with an open data channel; ``peer_timeout_secs`` ends a
    session whose client sent nothing on the data channel that long (the stock client
    pings every second).
    """

    ice_servers: tuple[Any, ...] = setting(
        (), 'STUN/TURN servers of the server\'s ICE agent: "stun:host:port" or {urls, username, credential}'
    )
    client_ice_servers: tuple[Any, ...] | None = setting(
        None, "ICE servers POST /start gives the browser (iceConfig); None: ice_servers"
    )
    default_ice_servers: tuple[Any, ...] = setting(
        (), "ICE servers for a client asking enableDefaultIceServers (Pipecat's UI does); empty: none"
    )
    ice_host_addresses: str | tuple[str, ...] = setting(
        "auto", '"auto" (loopback only on a loopback server) or the IP addresses to gather host candidates on'
    )
    ice_transport_policy: str = setting("all", '"all", or "relay" to send media through TURN only')
    connect_timeout_secs: float = setting(30.0, "from the answer to a connected peer with its data channel open", gt=0)
    peer_timeout_secs: float = setting(
        20.0, "end a session whose client sent nothing on the data channel this long; 0 = ICE consent only", ge=0
    )
    start_ttl_secs: float = setting(60.0, "how long a POST /start session id waits for its offer", gt=0)
    max_datachannel_message_bytes: int = setting(64 * 1024, "largest data-channel message", ge=1024)
    audio_out_bitrate: int = setting(32000, "the bot's mono Opus bitrate (bits per second)", ge=6000, le=510000)
    video_in_enabled: bool = setting(False, "take the user's camera (false: its m-line is answered inactive)")
