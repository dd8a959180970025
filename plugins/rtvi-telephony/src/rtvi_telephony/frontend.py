"""``TelephonyFrontend``: a carrier's part of the session server, as Pipecat's runner serves it.

* ``POST /`` — the carrier's incoming-call webhook: its signature is checked (when the
  bot file has the credential that signs it; 403 otherwise), and it is answered with the
  markup that connects the call's media to ``wss://{public host}/ws`` (TwiML, TeXML,
  Plivo XML; the JSON stream URL for Exotel's Voicebot applet).
* ``GET /ws`` (WebSocket upgrade) — a media stream: one session per call. Before the
  upgrade, the carrier's signature is checked where it signs the upgrade (Twilio, Plivo;
  when the bot file has the credential) and the ``stream_secret`` query parameter when
  that setting is on (constant-time): 403 otherwise. Room and drain are the server's (a
  stream with no room is closed with 1013); a carrier brings no ``/start`` token.

``POST /start`` is refused (404): calls start at the carrier. The websocket frontend's
session handling is reused as it is (:class:`~rtvi_websocket.frontend.WebSocketFrontend`).
"""

from __future__ import annotations

import hmac
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar

from rtvi_websocket.frontend import WebSocketFrontend

from rtvi_core.server.http import HttpError, error_response, response
from rtvi_core.server.routes import Answer, Call, Route
from rtvi_core.server.throttled_log import ThrottledLog

from . import log
from .session import CallSession
from .webhook import STREAM_SECRET, public_base, stream_origin, stream_url, webhook_params

if TYPE_CHECKING:
    from rtvi_websocket.connection import WebSocketConnection
    from rtvi_websocket.session import Session

    from rtvi_core.server.frontend import StartCall

    from .carrier import Carrier
    from .settings import TelephonySettings

logger = log.logger.getChild("frontend")


class TelephonyFrontend(WebSocketFrontend):
    """Serves one carrier's webhook and media streams (see :func:`telephony_frontend` for its class)."""

    name: ClassVar[str] = "telephony"

    def __init__(self, settings: TelephonySettings, carrier: Carrier) -> None:
        super().__init__(settings)
        self.settings: TelephonySettings = settings
        self.carrier = carrier
        self._refusals = ThrottledLog(logger)

    def routes(self) -> list[Route]:
        return [Route(self.carrier.WEBHOOK_METHODS, "/", self._webhook), Route(None, "/ws", self._open_session)]

    def start_answer(self, call: StartCall) -> dict[str, Any]:
        raise HttpError(404, f"{self.name} calls start at the carrier's webhook (POST /), not at /start")

    def health(self) -> dict[str, Any]:
        return {
            "calls": sum(
                1 for session in self._sessions if isinstance(session, CallSession) and session.call_transport.call
            )
        }

    def refuse_upgrade(self, call: Call) -> Answer | None:
        request = call.request
        url = stream_origin(self.settings.public_url, request) + request.target
        if self.carrier.stream_signature_valid(request, url) is False:
            return self._refuse(call, "media stream", "signature")
        secret = self.settings.stream_secret
        if secret is not None and not hmac.compare_digest(
            request.query.get(STREAM_SECRET, "").encode(), secret.encode()
        ):
            return self._refuse(call, "media stream", STREAM_SECRET)
        return None

    def admits(self, call: Call, connection: WebSocketConnection) -> bool:
        return True

    def new_session(self, call: Call, connection: WebSocketConnection, bot: Any) -> Session:
        return CallSession(call.server, connection, bot, self._sessions, self.settings.start_timeout_secs)

    def _webhook(self, call: Call) -> bytes:
        request = call.request
        params = webhook_params(request)
        url = public_base(self.settings.public_url, request) + request.target
        if self.carrier.signature_valid(request, url, params) is False:
            return self._refuse(call, "webhook", "signature")
        secret = self.settings.stream_secret if self.carrier.STREAM_QUERY else None
        ws_url = stream_url(self.settings.public_url, request, secret)
        try:
            content_type, body = self.carrier.answer(ws_url, self.carrier.stream_parameters(params))
        except ValueError as exc:  # a parameter the markup cannot carry: the call goes on without them
            logger.info("%s webhook: stream parameters left out: %s", self.name, exc)
            content_type, body = self.carrier.answer(ws_url, {})
        logger.info(
            "%s webhook: call %s answered with %s",
            self.name,
            params.get("CallSid") or params.get("CallUUID") or params.get("call_control_id") or "?",
            ws_url,
        )
        return response(200, body, content_type)

    def _refuse(self, call: Call, what: str, missing: str) -> bytes:
        """403 for a request (the ``what``) without a valid ``missing`` (logged once a minute per peer)."""
        peer = call.connection.peer_ip
        self._refusals.warning(
            f"{missing} {peer}", "%s %s from %s without a valid %s: refused (403)", self.name, what, peer, missing
        )
        return error_response(403, f"the request has no valid {self.name} {missing}")


@cache
def telephony_frontend(name: str) -> type[TelephonyFrontend]:
    """The frontend class of the carrier transport ``name`` (its ``/start`` ``"transport"`` value)."""
    return type(f"{name.title()}Frontend", (TelephonyFrontend,), {"name": name, "__doc__": TelephonyFrontend.__doc__})
