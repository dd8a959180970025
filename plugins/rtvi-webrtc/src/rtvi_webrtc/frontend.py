"""``WebRTCFrontend``: the webrtc transport's part of the session server (SmallWebRTC signalling).

* ``POST /start`` answers ``{"sessionId": id}`` (+ ``"iceConfig"`` when the browser should use
  ICE servers) and holds a session for that id until its offer (``start_ttl_secs``).
* ``POST /sessions/{id}/api/offer``: the first offer of that session → a new session and its
  answer ``{"sdp", "type": "answer", "pc_id"}``; an offer naming a known ``pc_id``
  renegotiates it, or with ``restart_pc`` replaces the peer connection (same pipeline).
* ``POST /api/offer``: the same without ``/start`` (admitted here; refused when the
  server needs an API key or tokens and the request has no key).
* ``PATCH`` on both: trickled ICE candidates for a known ``pc_id``.
* ``GET /client/`` → Pipecat's prebuilt UI, when the ``pipecat-ai-prebuilt`` package is installed.

Bad bodies get 400 naming the field, unknown sessions or peers 404, a closed peer 409, a
full or draining server 503. At the drain deadline every peer is told ``peerLeft`` and closed.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, ClassVar

from rtvi_core.server.http import HttpError, error_response, json_response
from rtvi_core.server.routes import Answer, Call, Route

from . import ice, prebuilt
from .log import logger
from .session import WebRTCSession
from .signalling import OfferRequest, SignallingError, decode_offer, decode_patch

if TYPE_CHECKING:
    from rtvi_core.server.frontend import StartCall

    from .settings import WebRTCSettings

logger = logger.getChild("frontend")


class WebRTCFrontend:
    """Serves WebRTC sessions (SmallWebRTC signalling, RTVI on the data channel) on a session server."""

    name: ClassVar[str] = "webrtc"

    def __init__(self, settings: WebRTCSettings) -> None:
        self.settings = settings
        self.host_addresses = ice.host_addresses_for(settings.ice_host_addresses)
        self._ice_servers = ice.rtc_ice_servers(settings.ice_servers)
        self._sessions: set[WebRTCSession] = set()
        self._by_pc_id: dict[str, WebRTCSession] = {}
        self._session_ids: dict[WebRTCSession, str] = {}

    # -- Frontend ------------------------------------------------------------------------

    def routes(self) -> list[Route]:
        methods = ("POST", "PATCH")
        return [
            Route(methods, "/api/offer", self._direct_offer, cors=True),
            Route(methods, "/sessions/{session_id}/api/offer", self._session_offer, cors=True),
            *prebuilt.routes(),
        ]

    def start_answer(self, call: StartCall) -> dict[str, Any]:
        server = call.server
        session_id = server.reservations.reserve(
            call.start.body, asyncio.get_running_loop().time(), self.settings.start_ttl_secs
        )
        answer: dict[str, Any] = {"sessionId": session_id}
        servers = self.settings.client_ice_servers
        if servers is None:
            servers = self.settings.ice_servers
        if not servers and call.start.enableDefaultIceServers:
            servers = self.settings.default_ice_servers
        if servers:
            answer["iceConfig"] = {"iceServers": [server.for_client() for server in servers]}
        return answer

    def close_all(self, reason: str) -> None:
        for session in list(self._sessions):
            session.end(reason)

    def health(self) -> dict[str, Any]:
        return {"peer_connections": len(self._by_pc_id)}

    # -- routes --------------------------------------------------------------------------

    def _direct_offer(self, call: Call) -> Answer:
        if call.request.method == "PATCH":
            return self._candidates(call)
        server = call.server
        try:
            server.start_guard.check(
                call.connection.peer_ip, call.request.headers.get("authorization"), asyncio.get_running_loop().time()
            )
            if server.settings.auth and not server.start_guard.requires_key:
                raise HttpError(401, "this server gives sessions through POST /start only ([transport] auth)")
            offer = self._offer(call)
        except HttpError as exc:
            return error_response(exc.status, exc.message, exc.headers | dict(call.cors))
        if self._known(offer.pc_id):
            return self._answer_known(call, offer, None)
        return self._open(call, offer, None)

    def _session_offer(self, call: Call) -> Answer:
        if call.request.method == "PATCH":
            return self._candidates(call)
        session_id = call.params["session_id"]
        try:
            offer = self._offer(call)
        except HttpError as exc:
            return error_response(exc.status, exc.message, exc.headers | dict(call.cors))
        if self._known(offer.pc_id):
            return self._answer_known(call, offer, session_id)
        server = call.server
        try:
            server.reservations.get(session_id, asyncio.get_running_loop().time())
        except KeyError:
            known = any(sid == session_id for sid in self._session_ids.values())
            why = "its peer connection is unknown (pc_id)" if known else "no such session, or it expired"
            return error_response(404, f"session {session_id[:40]!r}: {why}; POST /start again", dict(call.cors))
        return self._open(call, offer, session_id)

    def _known(self, pc_id: str | None) -> bool:
        """True when ``pc_id`` is a live session's peer connection."""
        session = self._by_pc_id.get(pc_id) if pc_id is not None else None
        return session is not None and not session.ending

    def _offer(self, call: Call) -> OfferRequest:
        try:
            return decode_offer(call.request.body)
        except SignallingError as exc:
            raise HttpError(400, f"invalid offer: {exc}") from None

    def _open(self, call: Call, offer: OfferRequest, session_id: str | None) -> Answer:
        """A new session for a first offer (``session_id``: the ``/start`` reservation it claims)."""
        server, cors = call.server, dict(call.cors)
        if offer.pc_id is not None and not offer.restart_pc:
            return error_response(404, f"unknown pc_id {offer.pc_id[:40]!r}: start a new connection", cors)
        if session_id is not None:
            server.reservations.release(session_id)  # claimed: the session counts as live from now on
        refusal = server.refusal()
        if refusal is not None:
            return error_response(503, refusal, cors | {"Retry-After": "5"})
        try:
            bot = server.sessions.create(self.name)
        except Exception as exc:
            logger.exception("could not build a session for %s", call.connection.peer)
            return error_response(500, f"could not start the bot: {exc}", cors)
        session = WebRTCSession(
            server,
            bot,
            call.connection.peer,
            self.settings,
            ice_servers=self._ice_servers,
            host_addresses=self.host_addresses,
            on_released=self._released,
        )
        self._sessions.add(session)
        self._session_ids[session] = session_id or ""
        server.run_session(session)
        return self._answered(session, session.answer(offer.sdp), cors, ends_on_failure=True)

    def _answer_known(self, call: Call, offer: OfferRequest, session_id: str | None) -> Answer:
        """Renegotiation (same ``pc_id``) or ``restart_pc`` (a new peer connection, same session)."""
        assert offer.pc_id is not None
        session = self._by_pc_id[offer.pc_id]
        cors = dict(call.cors)
        if session_id is not None and self._session_ids.get(session) != session_id:
            return error_response(404, "this pc_id belongs to another session", cors)
        if offer.restart_pc:
            old = offer.pc_id

            async def restarted() -> dict[str, str]:
                answer = await session.restart(offer.sdp)
                self._by_pc_id.pop(old, None)
                return answer

            return self._answered(session, restarted(), cors, ends_on_failure=False)
        return self._answered(session, session.answer(offer.sdp), cors, ends_on_failure=False)

    async def _answered(
        self, session: WebRTCSession, answering: Any, cors: dict[str, str], *, ends_on_failure: bool
    ) -> bytes:
        try:
            answer: dict[str, str] = await answering
        except Exception as exc:  # aiortc refused the SDP: the offer was unusable
            logger.info("session %s (%s): offer refused: %s", session.pc_id, session.peer, exc)
            if ends_on_failure:
                session.end(f"its offer was refused: {exc}")
            return error_response(400, f"invalid offer: {exc}", cors)
        self._by_pc_id[answer["pc_id"]] = session
        return json_response(200, answer, cors)

    def _candidates(self, call: Call) -> Answer:
        cors = dict(call.cors)
        try:
            patch = decode_patch(call.request.body)
        except SignallingError as exc:
            return error_response(400, f"invalid candidates: {exc}", cors)
        session = self._by_pc_id.get(patch.pc_id)
        if session is None or session.ending:
            return error_response(404, f"unknown pc_id {patch.pc_id[:40]!r}", cors)
        if session.connection.closed or session.connection.pc_id != patch.pc_id:
            return error_response(409, f"peer connection {patch.pc_id[:40]!r} is closed", cors)
        return self._added(session, patch.candidates, cors)

    async def _added(self, session: WebRTCSession, candidates: Any, cors: dict[str, str]) -> bytes:
        await session.add_candidates(candidates)
        return json_response(200, {"status": "success"}, cors)

    def _released(self, session: WebRTCSession) -> None:
        self._sessions.discard(session)
        self._session_ids.pop(session, None)
        for pc_id in [key for key, value in self._by_pc_id.items() if value is session]:
            del self._by_pc_id[pc_id]
