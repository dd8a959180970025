"""``rtvi run --workers N``: N server processes on one port, one per core.

One event loop uses one core. The supervisor (the ``rtvi run`` the user started) binds
the port (keeping it reserved), then starts N copies of its own command line as workers,
each told its place through :data:`WORKER_VARIABLE`. A worker is an ordinary ``rtvi run``
that loads the bot's models and serves; its server binds the supervisor's port with
``SO_REUSEPORT``, so the kernel spreads new connections over the workers. Each worker
admits ``max_sessions`` of its own and answers ``/health`` for itself (with its ``worker``
index).

The supervisor forwards SIGTERM/SIGINT to the workers as SIGTERM (the first drains them,
a second closes their sessions at once; workers ignore the terminal's SIGINT, so one
Ctrl-C is one drain), restarts a worker that dies after :data:`MIN_UPTIME_SECS` (one that
dies sooner stops them all: it would only die again) and exits with the worst exit
status. A worker whose supervisor dies drains and exits (Linux: ``PR_SET_PDEATHSIG``).

A session that spans requests cannot be split over processes, so :func:`refusal` turns
down bot files whose ``/start`` leaves state for a later request: WebRTC (its offer
follows ``/start``) and tokens (single use is checked per process). Run a cluster
(``--cluster``) for those.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import log

logger = log.logger.getChild("workers")

#: The environment variable that makes ``rtvi run`` a worker: ``"INDEX/COUNT:PORT:FD"`` (FD:
#: where it writes a byte once it listens).
WORKER_VARIABLE = "RTVI_WORKER"
#: A worker that dies after running this long is restarted; sooner, the supervisor gives up.
MIN_UPTIME_SECS = 10.0
#: Transports whose sessions begin with a request after ``/start`` (kept in that process).
SPLIT_SESSION_TRANSPORTS = ("webrtc",)

_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class WorkerPlace:
    """Which worker this process is (``index`` of ``count``), the port they share, and the
    pipe (``ready_fd``) that tells the supervisor it listens."""

    index: int
    count: int
    port: int
    ready_fd: int

    def encode(self) -> str:
        """The value of :data:`WORKER_VARIABLE` for this place."""
        return f"{self.index}/{self.count}:{self.port}:{self.ready_fd}"

    def listening(self) -> None:
        """Tell the supervisor this worker listens (once)."""
        try:
            os.write(self.ready_fd, b"1")
            os.close(self.ready_fd)
        except OSError:
            pass  # told already, or the supervisor is gone


def worker_place(environ: dict[str, str] | None = None) -> WorkerPlace | None:
    """This process's place when the supervisor started it (None: not a worker)."""
    value = (os.environ if environ is None else environ).get(WORKER_VARIABLE)
    if not value:
        return None
    try:
        share, port, fd = value.split(":")
        index, _, count = share.partition("/")
        return WorkerPlace(int(index), int(count), int(port), int(fd))
    except ValueError:
        raise ValueError(f"{WORKER_VARIABLE}={value!r}: expected INDEX/COUNT:PORT:FD") from None


def refusal(config: Any) -> str | None:
    """Why ``config``'s bot cannot be served by several workers, or None."""
    names = [spec.name for spec in (config.transport, *config.also_serve)]
    split = [name for name in names if name in SPLIT_SESSION_TRANSPORTS]
    if split:
        return (
            f"transport {split[0]!r} keeps a session's /start in the process that answered it, and the "
            "next request may reach another worker: serve it with one process, or run a cluster (--cluster)"
        )
    if config.cluster is not None:
        return (
            "a cluster worker's tokens are bound to its process: run one `rtvi run --cluster` per core, "
            "each on its own port, instead"
        )
    settings = config.transport.config
    if getattr(settings, "auth", False) or getattr(settings, "start_api_key", None):
        return (
            "session tokens ([transport] auth, start_api_key) are single-use per process, and a client may "
            "reach another worker than the one that issued its token: run a cluster (--cluster) instead"
        )
    return None


def reserve_port(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` (0: a free port) with ``SO_REUSEPORT``, not listening:
    it holds the port for the workers, which bind it too."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class Supervisor:
    """Runs ``count`` workers of ``command`` (a ``rtvi run`` command line) on ``host:port``."""

    def __init__(self, command: list[str], count: int, host: str, port: int) -> None:
        if count < 2:
            raise ValueError(f"a supervisor runs at least 2 workers, not {count}")
        self.command = command
        self.count = count
        self.host = host
        self.port = port
        self._workers: list[subprocess.Popen[bytes] | None] = [None] * count
        self._started: list[float] = [0.0] * count
        self._signals = 0
        self._status = 0

    def run(self, on_listening: Callable[[str, int], None] | None = None) -> int:
        """Start the workers, call ``on_listening(host, port)`` once they all listen, and wait
        for them; the worst exit status (1 when one failed at start)."""
        with reserve_port(self.host, self.port) as held:
            self.port = held.getsockname()[1]
            previous = {signum: signal.signal(signum, self._forward) for signum in (signal.SIGTERM, signal.SIGINT)}
            try:
                ready = [self._start(index) for index in range(self.count)]
                if self._wait_listening(ready) and on_listening is not None:
                    on_listening(self.host, self.port)
                self._watch()
            finally:
                for signum, handler in previous.items():
                    signal.signal(signum, handler)
                self._stop_all()
        return self._status

    def _start(self, index: int) -> int:
        """Start worker ``index``; the pipe it writes to once it listens."""
        read, write = os.pipe()
        place = WorkerPlace(index, self.count, self.port, write)
        env = os.environ | {WORKER_VARIABLE: place.encode()}
        try:
            self._workers[index] = subprocess.Popen(
                self.command, env=env, pass_fds=(write,), preexec_fn=_die_with_parent
            )
        finally:
            os.close(write)
        self._started[index] = time.monotonic()
        return read

    def _wait_listening(self, pipes: list[int]) -> bool:
        """Wait until every worker listens (True) or one exited first (False)."""
        waiting = set(pipes)
        try:
            while waiting and not self._signals:
                readable, _, _ = select.select(list(waiting), [], [], 0.2)
                for fd in readable:
                    waiting.discard(fd)
                    if not os.read(fd, 1):  # the worker exited before it listened
                        return False
            return not waiting
        finally:
            for fd in pipes:
                os.close(fd)

    def _forward(self, signum: int, frame: Any) -> None:
        self._signals += 1
        what = "draining" if self._signals == 1 else "closing"
        logger.info("supervisor: %s: %s the workers", signal.Signals(signum).name, what)
        for worker in self._workers:
            if worker is not None and worker.poll() is None:
                worker.send_signal(signal.SIGTERM)

    def _watch(self) -> None:
        while any(worker is not None for worker in self._workers):
            for index, worker in enumerate(self._workers):
                if worker is None or (code := worker.poll()) is None:
                    continue
                self._workers[index] = None
                if self._signals:
                    self._status = max(self._status, code if code >= 0 else 1)
                    continue
                uptime = time.monotonic() - self._started[index]
                if uptime < MIN_UPTIME_SECS:
                    logger.error(
                        "supervisor: worker %d exited with status %d after %.1f s: stopping the others",
                        index,
                        code,
                        uptime,
                    )
                    self._status = max(self._status, code if code > 0 else 1)
                    self._forward(signal.SIGTERM, None)
                    continue
                logger.warning("supervisor: worker %d exited with status %d: starting it again", index, code)
                os.close(self._start(index))  # nobody waits for a restarted worker to listen
            time.sleep(0.2)

    def _stop_all(self) -> None:
        for worker in self._workers:
            if worker is not None and worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in self._workers:
            if worker is not None:
                worker.wait()
