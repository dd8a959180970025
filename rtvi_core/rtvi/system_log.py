"""Forwarding ``rtvi_core`` log lines to the client as RTVI ``system-log`` messages."""

from __future__ import annotations

import contextvars
import logging
import threading
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from .._deps import anyio
from ._deps import rtvi_messages as m

if TYPE_CHECKING:
    from ..runtime import ManagedTask
    from .processor import RTVIProcessor

__all__ = ["MAX_PENDING_LOG_LINES", "forward_system_logs"]

#: True inside the task forwarding log lines: lines logged while sending are dropped.
_forwarding_logs: contextvars.ContextVar[bool] = contextvars.ContextVar("rtvi_forwarding_logs", default=False)

#: Log lines waiting to be sent at most (the oldest are dropped beyond this).
MAX_PENDING_LOG_LINES = 1000

Send = Callable[["m.OutboundMessage"], Awaitable[None]]


def forward_system_logs(rtvi: RTVIProcessor, send: Send) -> Callable[[], None]:
    """Send every ``rtvi_core`` log line through ``send`` as ``system-log``, from a task
    of ``rtvi``, starting now; returns the function that stops it."""
    forwarder = _LogForwarder(send)
    forwarder.start(rtvi)
    return forwarder.stop


class _LogForwarder(logging.Handler):
    """Sends every ``rtvi_core`` log line as ``system-log`` (from a background task).

    Lines logged by the forwarding itself are dropped, so it never feeds itself.
    Lines logged from other threads are queued and go out with the next line of
    the event-loop thread.
    """

    def __init__(self, send: Send) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self._send = send
        self._lines: deque[str] = deque(maxlen=MAX_PENDING_LOG_LINES)
        self._wakeup = anyio.Event()
        self._thread = threading.get_ident()
        self._task: ManagedTask | None = None

    def start(self, rtvi: RTVIProcessor) -> None:
        """Attach to the ``rtvi_core`` logger and start sending."""
        self._task = rtvi.create_task(self._run(), "system-logs")
        logging.getLogger("rtvi_core").addHandler(self)

    def stop(self) -> None:
        """Detach and stop sending."""
        logging.getLogger("rtvi_core").removeHandler(self)
        if self._task is not None:
            self._task.cancel()

    def emit(self, record: logging.LogRecord) -> None:
        if _forwarding_logs.get():
            return
        try:
            self._lines.append(self.format(record))
        except Exception:
            self.handleError(record)
            return
        if threading.get_ident() == self._thread:
            self._wakeup.set()

    async def _run(self) -> None:
        _forwarding_logs.set(True)
        lines = self._lines
        while True:
            await self._wakeup.wait()
            self._wakeup = anyio.Event()
            while lines:
                await self._send(m.SystemLog(data=m.TextData(text=lines.popleft())))
