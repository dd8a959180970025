"""``ClusterMember``: what a session server consults when it is one worker of a cluster.

A bot file's ``[cluster]`` section (or ``rtvi run --cluster URL``) names a cluster
plugin (``use = "redis"``, from rtvi-cluster) registered through the
``rtvi_register_clusters`` hook; the session server then calls its member object:

* :meth:`~ClusterMember.join` once it listens (before it says so): register the worker,
  start its heartbeat; :class:`ClusterUnavailable` stops ``rtvi run`` with its message;
* :meth:`~ClusterMember.start` for every admitted ``POST /start``: reserve a slot on a
  worker of the cluster (maybe this one) and answer with its ``wsUrl`` and a token bound
  to it (raise :class:`~.http.HttpError`, e.g. 503, to refuse);
* :attr:`~ClusterMember.tokens` checks the tokens clients present here (only those
  issued for this worker pass), then :meth:`~ClusterMember.claimed` turns the token's
  reservation into a running session;
* :meth:`~ClusterMember.sessions_changed` whenever a session starts or ends (slots
  come back);
* :meth:`~ClusterMember.drain` on SIGTERM (no new sessions dispatched here), then
  :meth:`~ClusterMember.leave` when the server stops;
* :meth:`~ClusterMember.health` for the ``"cluster"`` field of ``GET /health``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Protocol

if TYPE_CHECKING:
    from .frontend import StartRequest
    from .http import Request
    from .server import SessionServer
    from .tokens import Token, TokenSigner


class ClusterUnavailable(Exception):
    """The cluster's shared state cannot be reached (the message names where, and why)."""


class ClusterMember(Protocol):
    """One session server's membership of a cluster (built from the bot file's ``[cluster]``)."""

    #: The transports whose sessions the cluster dispatches (``rtvi run`` refuses a bot file
    #: served on another: its clients would be handed a URL it does not answer).
    TRANSPORTS: ClassVar[tuple[str, ...]]
    #: Signs and checks this worker's session tokens (the cluster's shared secret, this worker's id).
    tokens: TokenSigner

    async def join(self, server: SessionServer) -> None:
        """Register ``server`` (listening now) as a worker and keep it registered until :meth:`leave`.

        Raise :class:`ClusterUnavailable` when the cluster cannot be reached."""
        ...

    async def start(self, start: StartRequest, request: Request) -> dict[str, Any]:
        """The answer (200) to an admitted ``POST /start``: a reserved slot's ``wsUrl`` and ``token``.

        Raise :class:`~.http.HttpError` to refuse (503 with ``Retry-After`` when full)."""
        ...

    def claimed(self, token: Token) -> None:
        """A client opened a session here with ``token`` (checked by :attr:`tokens`): its slot is now a session."""
        ...

    def sessions_changed(self, count: int) -> None:
        """This worker runs ``count`` sessions now (one started or ended)."""
        ...

    def drain(self) -> None:
        """Shutdown began: dispatch no new session here (the running ones may finish)."""
        ...

    async def leave(self) -> None:
        """The server stops: leave the cluster (never raises)."""
        ...

    def health(self) -> dict[str, Any]:
        """The ``"cluster"`` field of this worker's ``GET /health``."""
        ...
