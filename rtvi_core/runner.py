"""``PipelineRunner``: runs a task, and cancels it cleanly on SIGINT/SIGTERM."""

from __future__ import annotations

import logging
import signal
import threading

from ._deps import anyio
from .task import PipelineTask

logger = logging.getLogger("rtvi_core.runner")


class PipelineRunner:
    """Runs a :class:`PipelineTask` to completion.

    With ``handle_sigint=True`` (the default) SIGINT and SIGTERM cancel the task
    cleanly (processors are cleaned up, the client gets its connection closed).
    Pass ``handle_sigint=False`` when embedding in an application that owns signals.
    """

    def __init__(
        self,
        *,
        name: str | None = None,
        handle_sigint: bool = True,
        handle_sigterm: bool | None = None,
    ) -> None:
        self.name = name or "PipelineRunner"
        self._handle_sigint = handle_sigint
        self._handle_sigterm = handle_sigint if handle_sigterm is None else handle_sigterm
        self._tasks: list[PipelineTask] = []
        self.signal_received: signal.Signals | None = None

    async def run(self, task: PipelineTask) -> None:
        """Run ``task`` until it ends, is cancelled, or a handled signal arrives."""
        signals = [
            sig
            for sig, wanted in ((signal.SIGINT, self._handle_sigint), (signal.SIGTERM, self._handle_sigterm))
            if wanted
        ]
        if not signals or threading.current_thread() is not threading.main_thread():
            await task.run()
            return
        async with anyio.create_task_group() as group:
            group.start_soon(self._watch_signals, task, signals)
            await task.run()
            group.cancel_scope.cancel()

    async def stop_when_done(self, task: PipelineTask) -> None:
        """Ask ``task`` to end once its queued frames are processed."""
        await task.stop_when_done()

    async def cancel(self, task: PipelineTask) -> None:
        """Cancel ``task`` now."""
        await task.cancel()

    async def _watch_signals(self, task: PipelineTask, signals: list[signal.Signals]) -> None:
        with anyio.open_signal_receiver(*signals) as received:
            async for sig in received:
                self.signal_received = sig
                logger.info("%s: %s received, cancelling %s", self.name, sig.name, task)
                await task.cancel(reason=sig.name)
                return
