"""``SessionRunner``: one bot session on the server, from its client's arrival to its end.

A transport subclasses it with how the client's input reaches the pipeline
(:meth:`SessionRunner.pump`) and how the client's link ends (:meth:`SessionRunner.end_link`);
the server runs it (:meth:`~.server.SessionServer.run_session`) and, when it ends, fires
``rtvi_session_ended`` and lets it go.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, Literal

import anyio

from . import log

if TYPE_CHECKING:
    from .server import SessionServer

logger = log.logger.getChild("sessions")

#: Why a session ended: ``normal`` (its run ended by itself: the bot or the client ended it,
#: even if the link dropped as it ended), ``failed``, or it was cancelled: its client went
#: (``client_left``), the server closed an idle client's link (``idle_timeout``) or that of a
#: client that broke a limit (``limit``: too many messages, malformed ones), or the server
#: was shutting down (``shutdown``).
EndReason = Literal["normal", "failed", "client_left", "idle_timeout", "limit", "shutdown"]


def run_outcome(task: Any) -> tuple[bool, str]:
    """Whether a session's finished pipeline run (a ``PipelineTask``) failed, and why it ended.

    Failed with the error when ``task.fatal_error`` is set (e.g. a provider that did not
    start); else ``(False, "session ended")``.
    """
    failure = task.fatal_error
    if failure is not None:
        return True, f"the bot failed: {failure.error}"
    return False, "session ended"


class SessionRunner(ABC):
    """Runs one bot session (a :class:`~rtvi_core.config.builder.BotSession`) for the client at ``peer``.

    The pipeline runs beside :meth:`pump` and is cancelled when the client goes away,
    whatever state it is in (even while its providers are still starting); when the
    run ends the client's link is ended (:meth:`end_link`).
    """

    def __init__(self, server: SessionServer, bot: Any, peer: str) -> None:
        self.server = server
        self.bot = bot
        self.peer = peer
        #: Why the session ended; None while it runs.
        self.end_reason: EndReason | None = None
        self._cancelled_for: EndReason | None = None
        self._leaving: asyncio.Task[None] | None = None

    async def run(self) -> None:
        """Run the pipeline until it ends or the client leaves; never raises."""
        task = self.bot.task
        failed, reason = False, "session ended"
        try:
            async with anyio.create_task_group() as group:
                group.start_soon(self.pump)
                await task.run()
                group.cancel_scope.cancel()
            failed, reason = run_outcome(task)
        except Exception:
            logger.exception("session %s (%s) failed", task.name, self.peer)
            failed, reason = True, "the bot failed"
        finally:
            self.end_reason = self._why_ended(failed)
            self.end_link(failed, reason)
            self.server.session_ended(self)
            self.released()

    def _why_ended(self, failed: bool) -> EndReason:
        if failed:
            return "failed"
        if self._cancelled_for is None or self.bot.task.ending:
            return "normal"
        return "shutdown" if self.server.draining else self._cancelled_for

    @abstractmethod
    async def pump(self) -> None:
        """Feed the client's input to the pipeline while it runs (cancelled when the run ends)."""

    @abstractmethod
    def end_link(self, failed: bool, reason: str) -> None:
        """End the client's link: the run is over (``failed``: it failed), for ``reason``."""

    def released(self) -> None:
        """The session is over and the server has let it go: drop references to the client."""

    async def cancel(self, reason: str, why: EndReason = "client_left") -> None:
        """Cancel the pipeline (the server is shutting down, or the client left): ``why`` is the
        :attr:`end_reason` it gives (unless the run was ending by itself, or the server is shutting down)."""
        if self._cancelled_for is None:
            self._cancelled_for = why
        await self.bot.task.cancel(reason)

    def leave(self, reason: str, why: EndReason = "client_left") -> None:
        """Start cancelling the pipeline in the background (once)."""
        if self._leaving is None:
            cancel = self.cancel(reason, why)
            self._leaving = asyncio.get_running_loop().create_task(cancel, name=f"cancel {self.peer}")
