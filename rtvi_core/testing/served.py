"""``served_bot``: ``rtvi run ARGS --port 0`` (or another serving command) as a child process, for end-to-end tests."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from ..plugins.manager import ENV_DISABLE_AUTOLOAD

#: What ``rtvi run`` prints on stderr once it accepts connections.
LISTENING = re.compile(r"listening on http://(?P<host>[^:\s]+):(?P<port>\d+)")


@dataclass
class ServedBot:
    """A running ``rtvi run`` process and what it printed so far."""

    process: subprocess.Popen[str]
    host: str
    port: int
    log: list[str]  # its stderr lines, read for the whole run

    @property
    def url(self) -> str:
        """``http://HOST:PORT/``: the playground page; ``/start`` and ``/health`` below it."""
        return f"http://{self.host}:{self.port}/"


@contextmanager
def served_bot(
    *args: str,
    env: Mapping[str, str] | None = None,
    startup_timeout: float = 60.0,
    stop_timeout: float = 30.0,
    entry: Sequence[str] = ("-m", "rtvi_core.cli"),
    command: str = "run",
) -> Iterator[ServedBot]:
    """Run ``python -m rtvi_core.cli run ARGS --port 0`` (installed plugins loaded) for a block.

    Yields once the server listens (its models loaded); fails with the output so far
    if it does not within ``startup_timeout``. ``env`` adds environment variables.
    At the end a still running server gets SIGTERM (and is killed after
    ``stop_timeout``). ``entry`` replaces ``-m rtvi_core.cli`` (e.g. a script that
    loads an in-process plugin, then calls ``rtvi_core.cli.main``); ``command`` replaces
    ``run`` (another command that prints ``listening on http://HOST:PORT``: ``gateway``).
    """
    environ = {k: v for k, v in os.environ.items() if k != ENV_DISABLE_AUTOLOAD}
    environ.update(env or {})
    process = subprocess.Popen(
        [sys.executable, *entry, command, *args, "--port", "0"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=environ,
    )
    log: list[str] = []
    found: list[re.Match[str]] = []
    ready = threading.Event()

    def read() -> None:  # keeps the pipe drained for the whole run
        assert process.stderr is not None
        for line in process.stderr:
            log.append(line)
            if not found and (match := LISTENING.search(line)):
                found.append(match)
                ready.set()
        ready.set()  # it exited

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        ready.wait(startup_timeout)
        if not found:
            raise AssertionError(f"rtvi {command} {' '.join(args)} did not start listening:\n{''.join(log)}")
        yield ServedBot(process, found[0]["host"], int(found[0]["port"]), log)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(stop_timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        reader.join(5)
