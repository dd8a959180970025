"""What ``rtvi run`` hands a transport that hosts sessions itself (a network server).

A transport class that can serve clients defines an async classmethod::

    @classmethod
    async def serve(cls, sessions: SessionFactory, *, host: str, port: int,
                    on_listening: Callable[[str, int], None] | None = None) -> None

``rtvi run`` calls it with the bot file's :class:`SessionFactory` and runs until it
returns (the server handles SIGTERM/SIGINT itself, draining its sessions). A transport
served by :mod:`rtvi_core.server` also has ``frontend(config)`` (its part of the session
server, from its validated Config), which lets another transport's bot file serve it
beside its own (``[transport] also_serve``). A class
attribute ``PAGE = (label, path)`` names a page it serves for people (``("playground",
"/")``), which ``rtvi run`` prints beside the address. For each
client the server calls :meth:`SessionFactory.create`, attaches the connection to
``session.transport``, runs ``session.task`` and finally calls
:meth:`SessionFactory.ended`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .config.builder import BotSession
    from .config.loader import BotConfig, ComponentSpec
    from .plugins.manager import PluginManager
    from .server.extensions import ServerExtension
    from .server.server import SessionServer


class PreloadError(Exception):
    """A component could not load what its sessions need (the message says what and where)."""


class SessionFactory:
    """Builds one session of a bot file per client and fires the session hooks."""

    def __init__(self, config: BotConfig, manager: PluginManager | None = None) -> None:
        if manager is None:
            from .plugins import get_plugin_manager

            manager = get_plugin_manager()
        self.config = config
        self._manager = manager
        self.created = 0

    def create(self, transport: str | None = None) -> BotSession:
        """A new session (fresh components) and the ``rtvi_session_started`` hook fired.

        ``transport``: the served transport its client came through (``[transport]
        also_serve``); None: the bot file's own.
        """
        from .config.builder import build_session

        session = build_session(self.config, transport)
        self.created += 1
        self._manager.session_started(session)
        return session

    def preload(self) -> Iterator[tuple[ComponentSpec, float]]:
        """Call ``preload()`` of each voice and LLM component that has one to load.

        Yields each such component and the seconds it took. Raises
        :class:`PreloadError`, naming the bot file, the key and the component, when
        one fails (building it, or loading).
        """
        config = self.config
        for spec in (config.vad, config.stt, config.llm, config.tts):
            if spec is None:
                continue
            started = time.perf_counter()
            try:
                component = spec.create()
                if not _loads_something(component):
                    continue
                component.preload()
            except Exception as exc:
                raise PreloadError(f"{config.file}: {spec.path}: {spec.section} plugin {spec.name!r}: {exc}") from exc
            yield spec, time.perf_counter() - started

    def server_extensions(self, server: SessionServer) -> list[ServerExtension]:
        """Fire ``rtvi_server_extensions`` for the session ``server`` of this bot file: what the plugins add to it."""
        return self._manager.server_extensions(server)

    def ended(self, session: Any) -> None:
        """Fire ``rtvi_session_ended`` for ``session``; then its action dispatcher lets go of it."""
        self._manager.session_ended(session)
        dispatcher = getattr(session, "dispatcher", None)
        if dispatcher is not None:
            dispatcher.detach()


def _loads_something(component: Any) -> bool:
    """True when the component overrides ``Component.preload`` (or defines its own)."""
    from .component import Component

    preload = getattr(type(component), "preload", None)
    return callable(preload) and preload is not Component.preload


def can_serve(transport_class: type) -> bool:
    """True when the transport hosts its sessions itself (has a ``serve`` classmethod)."""
    return callable(getattr(transport_class, "serve", None))
