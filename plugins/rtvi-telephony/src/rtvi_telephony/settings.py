"""``TelephonySettings``: the ``[transport]`` keys every carrier's transport has."""

from __future__ import annotations

from rtvi_websocket.settings import WebSocketSettings

from rtvi_core.records import record, setting


@record
class TelephonySettings(WebSocketSettings):
    """The shared server keys, the WebSocket's (:class:`~rtvi_websocket.settings.WebSocketSettings`)
    and a phone call's own.

    ``packet_ms``: bot audio leaves in packets this long, paced in real time.
    ``send_ahead_ms``: how far ahead of the caller's playback the paced audio may be sent
    (the carrier buffers it), so a late write on a busy server is not a gap the caller
    hears; a ``clear`` empties the carrier's buffer, so a barge-in still stops the bot at once. ``max_media_bytes``: the largest audio
    payload of one ``media`` message (decoded); larger ones are dropped. ``start_timeout_secs``:
    a stream that has not sent ``start`` by then is closed. ``validate_signatures``: check the
    webhook's signature when the credential that signs it is set. ``hang_up_on_end``: when the
    bot ends the session (an ``EndFrame``, the ``hang-up`` action), end the call through the
    carrier's REST API. ``api_base_url``: that API's base URL (None: the carrier's).
    ``caller_id``: the number ``rtvi call`` calls from. ``stream_secret``: a shared secret the
    webhook's markup puts in the stream URL (``?stream_secret=...``) and ``/ws`` asks for
    (compared in constant time), for carriers that do not sign the stream's upgrade (Telnyx,
    Exotel); Twilio's stream URL takes no query (it signs the upgrade).
    """

    packet_ms: int = setting(
        default=20, description="bot audio packet length in ms (a clear takes effect within one)", ge=10, le=200
    )
    send_ahead_ms: int = setting(
        default=80,
        description="send the bot's paced audio up to this far ahead of the caller's playback",
        ge=0,
        le=1000,
    )
    max_media_bytes: int = setting(
        default=32 * 1024, description="largest decoded audio of one media message; larger ones are dropped", ge=320
    )
    start_timeout_secs: float = setting(
        default=10.0, description="close a media stream that sends no start message within this", gt=0
    )
    validate_signatures: bool = setting(
        default=True, description="refuse webhooks without a valid carrier signature (when its credential is set)"
    )
    hang_up_on_end: bool = setting(
        default=True, description="end the call through the carrier's REST API when the bot ends the session"
    )
    api_base_url: str | None = setting(
        default=None, description="the carrier's REST API base URL (None: its public API)"
    )
    caller_id: str | None = setting(default=None, description="the number `rtvi call` calls from (E.164)")
    stream_secret: str | None = setting(
        default=None,
        description="a shared secret the stream URL carries (?stream_secret=...); /ws refuses upgrades without it",
    )
