"""``Frontend``: what a transport plugin adds to the session server — its wire format.

The server (:class:`~.server.SessionServer`) owns the port, the ``Host``/``Origin``
rules, CORS, ``POST /start`` (guard, capacity, drain), ``GET /health`` and the
sessions' lifecycle. A frontend brings the routes its clients use (a WebSocket
endpoint, WebRTC signalling, its pages), its answer to ``/start``, and closes its
clients' links at the drain deadline. One server may serve several frontends; a
``/start`` body's ``"transport"`` picks one (none: the bot file's own).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import msgspec

from .http import HttpError

if TYPE_CHECKING:
    from .http import Request
    from .limits import ServerSettings
    from .routes import Route
    from .server import SessionServer


class StartRequest(msgspec.Struct):
    """The optional JSON body of ``POST /start`` (the keys Pipecat's runner reads; others are ignored).

    ``transport``: the frontend that answers (None: the bot file's transport); ``bot``: in a
    cluster, the bot whose worker answers (None: this worker's; the only one, at a gateway).
    """

    createDailyRoom: bool = False
    enableDefaultIceServers: bool = False
    body: Any = None
    transport: str | None = None
    bot: str | None = None


_decode_start = msgspec.json.Decoder(StartRequest).decode


def parse_start_body(body: bytes) -> StartRequest:
    """The ``POST /start`` body (empty: the defaults); :class:`~.http.HttpError` 400 when it is not one."""
    if not body.strip():
        return StartRequest()
    try:
        return _decode_start(body)
    except msgspec.ValidationError as exc:
        raise HttpError(400, f"invalid request body: {exc}") from None
    except msgspec.DecodeError as exc:
        raise HttpError(400, f"the request body is not JSON: {exc}") from None
    except RecursionError:
        raise HttpError(400, "the request body is nested too deeply") from None


@dataclass(frozen=True, slots=True)
class StartCall:
    """An admitted ``POST /start`` (guard passed, body valid, room left): what a frontend answers."""

    server: SessionServer
    request: Request
    start: StartRequest


class Frontend(Protocol):
    """A transport's part of a :class:`~.server.SessionServer`."""

    #: The ``/start`` body's ``"transport"`` value that selects this frontend (``"websocket"``),
    #: its transport's plugin name (the sessions it opens are built with that transport).
    name: ClassVar[str]
    #: Its transport's settings (the server's own when it is the bot file's transport).
    settings: ServerSettings

    def routes(self) -> Iterable[Route]:
        """The routes this transport serves (after the server's own ``/start`` and ``/health``)."""
        ...

    def start_answer(self, call: StartCall) -> dict[str, Any]:
        """The JSON answer (200) to ``POST /start`` for this transport; raise
        :class:`~.http.HttpError` to refuse it."""
        ...

    def close_all(self, reason: str) -> None:
        """The drain deadline: start closing every client link (the server then cancels the sessions)."""
        ...

    def health(self) -> dict[str, Any]:
        """Fields this transport adds to ``GET /health`` (e.g. open peer connections)."""
        ...
