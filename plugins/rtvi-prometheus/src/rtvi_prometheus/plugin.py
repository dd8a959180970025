"""What the ``rtvi`` entry point ``prometheus`` loads: ``/metrics`` on every bot file's session server."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rtvi_core.plugins import hookimpl

from .exporter import MetricsExporter

if TYPE_CHECKING:
    from rtvi_core.server.extensions import ServerExtension
    from rtvi_core.server.server import SessionServer


@hookimpl
def rtvi_server_extensions(server: SessionServer, register: Callable[[ServerExtension], None]) -> None:
    """Export ``server``'s metrics unless its bot file says ``[metrics] enabled = false``."""
    settings = server.sessions.config.model.metrics
    if settings.enabled:
        register(MetricsExporter(server, token=settings.token))
