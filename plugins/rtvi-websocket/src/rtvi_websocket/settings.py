"""``WebSocketSettings``: the server's settings, with the keys only the websocket transport has."""

from __future__ import annotations

from rtvi_core.records import record, setting
from rtvi_core.server.limits import ServerSettings


@record
class WebSocketSettings(ServerSettings):
    """The ``[transport]`` keys of a websocket bot file: the shared server settings
    (:class:`~rtvi_core.server.limits.ServerSettings`) and the WebSocket's own.

    ``max_message_bytes``: the largest client message (refused from the frame header).
    ``ping_interval_secs``/``ping_timeout_secs``: WebSocket keepalive pings; a peer that
    leaves one unanswered that long is dropped.
    """

    max_message_bytes: int = setting(
        default=1024 * 1024 + 1024, description="largest client message (close 1009 beyond)", ge=1024
    )
    ping_interval_secs: float = setting(
        default=20.0, description="seconds between WebSocket keepalive pings; 0 = no pings", ge=0
    )
    ping_timeout_secs: float = setting(
        default=20.0, description="a peer leaving a ping unanswered this long is dropped (its session ends)", gt=0
    )
