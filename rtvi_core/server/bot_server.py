"""``bot_server``/``serve_bot``: the session server of a bot file, with every transport it serves."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .frontend import Frontend
from .server import SessionServer

if TYPE_CHECKING:
    from rtvi_core.serving import SessionFactory


def bot_server(sessions: SessionFactory, *, host: str, port: int) -> SessionServer:
    """The server of ``sessions`` on ``host:port``: the bot file's transport, then ``also_serve``'s.

    Each transport class builds its frontend from its validated Config (its
    ``frontend(config)`` classmethod); the server's limits, origins and auth are the
    bot file's transport's (``[transport]``), and its frontend answers ``/start``
    requests that name no transport; the plugins' ``rtvi_server_extensions`` add to it.
    With a ``[cluster]``, the server is a worker of that cluster (its plugin's member object).
    TypeError for a transport that is not served here.
    """
    config = sessions.config
    frontends = [_frontend(spec) for spec in (config.transport, *config.also_serve)]
    cluster = config.cluster.create() if config.cluster is not None else None
    server = SessionServer(sessions, frontends[0].settings, frontends, host=host, port=port, cluster=cluster)
    for extension in sessions.server_extensions(server):
        server.add_extension(extension)
    return server


def _frontend(spec: Any) -> Frontend:
    build = getattr(spec.obj, "frontend", None)
    if not callable(build):
        raise TypeError(f"transport {spec.name!r} is not served by rtvi_core.server")
    frontend: Frontend = build(spec.config)
    return frontend


async def serve_bot(
    sessions: SessionFactory, *, host: str, port: int, on_listening: Callable[[str, int], None] | None = None
) -> None:
    """Serve ``sessions`` on ``host:port`` until SIGTERM/SIGINT has drained them (``rtvi run``'s server)."""
    server = bot_server(sessions, host=host, port=port)
    await server.serve(on_listening=on_listening, exit_if_stuck=True)
