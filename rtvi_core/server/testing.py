"""``loopback_server``: a bot served on a free loopback port for a block (tests, benchmarks)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import anyio

from .bot_server import bot_server
from .server import SessionServer

if TYPE_CHECKING:
    from rtvi_core.serving import SessionFactory


@asynccontextmanager
async def loopback_server(sessions: SessionFactory, *, host: str = "127.0.0.1") -> AsyncIterator[SessionServer]:
    """Serve ``sessions`` on 127.0.0.1 (a free port: ``server.port``) until the block ends.

    The server is the bot file's (:func:`~.bot_server.bot_server`: its ``[transport]``
    limits, and the transports of ``also_serve``); signals are left alone. At the end the
    server drains and closes the sessions still open at once. ``host`` binds another
    address (``"0.0.0.0"``: a server that is not loopback-only, still reached over loopback).
    """
    server = bot_server(sessions, host=host, port=0)
    listening = anyio.Event()
    async with anyio.create_task_group() as group:
        group.start_soon(lambda: server.serve(on_listening=lambda h, p: listening.set(), handle_signals=False))
        await listening.wait()
        try:
            yield server
        finally:
            server.drain()
            server.drain()  # a second drain closes whatever is left at once
