"""``Supervisor`` (``rtvi run --workers N``) with stand-in workers: readiness, restarts, giving up.

The workers here are small Python scripts playing ``rtvi run``'s part: they read their
place from ``RTVI_WORKER``, say they listen, then do what each test needs. The real
servers are in ``plugins/rtvi-websocket/tests/test_server_workers.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from rtvi_core.server import workers
from rtvi_core.server.workers import Supervisor, WorkerPlace, worker_place

#: A stand-in worker: listens (writes its ready byte) unless told not to, then runs the
#: test's ``BEHAVIOUR`` with ``place`` and ``root`` (the test's directory) at hand.
WORKER = """
import os, signal, sys, time
from pathlib import Path
from rtvi_core.server.workers import worker_place
place = worker_place()
root = Path(sys.argv[1])
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
starts = root / f"starts-{place.index}"
starts.write_text(starts.read_text() + "x" if starts.exists() else "x")
if not (root / f"mute-{place.index}").exists():
    place.listening()
"""


def supervisor(tmp_path: Path, behaviour: str) -> Supervisor:
    return Supervisor([sys.executable, "-c", WORKER + behaviour, str(tmp_path)], 2, "127.0.0.1", 0)


@pytest.fixture(autouse=True)
def short_uptime(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers, "MIN_UPTIME_SECS", 1.0)


def test_the_place_round_trips_through_the_environment():
    place = WorkerPlace(1, 2, 7860, 9)
    assert worker_place({"RTVI_WORKER": place.encode()}) == place
    assert worker_place({}) is None
    with pytest.raises(ValueError, match="expected INDEX/COUNT:PORT:FD"):
        worker_place({"RTVI_WORKER": "1:2"})


def test_a_worker_that_dies_at_once_stops_the_others_with_its_status(tmp_path: Path):
    behaviour = "sys.exit(3) if place.index == 1 else time.sleep(60)"
    heard: list[tuple[str, int]] = []
    assert supervisor(tmp_path, behaviour).run(lambda host, port: heard.append((host, port))) == 3
    assert len(heard) == 1 and heard[0][1] > 0  # both listened first; the free port it reserved


def test_a_worker_that_never_listens_is_not_announced(tmp_path: Path):
    (tmp_path / "mute-0").write_text("")
    heard: list[tuple[str, int]] = []
    status = supervisor(tmp_path, "sys.exit(2) if place.index == 0 else time.sleep(60)").run(
        lambda host, port: heard.append((host, port))
    )
    assert status == 2 and heard == []


def test_a_worker_that_dies_later_is_started_again(tmp_path: Path):
    behaviour = """
if place.index == 1 and starts.read_text() == "x":
    time.sleep(1.5)
    sys.exit(7)  # the first run of worker 1 dies after its uptime
if place.index == 0:
    while not (root / "starts-1").exists() or (root / "starts-1").read_text() != "xx":
        time.sleep(0.05)
    os.kill(os.getppid(), signal.SIGTERM)  # worker 1 is back: stop the supervisor
time.sleep(60)
"""
    assert supervisor(tmp_path, behaviour).run() == 0  # stopped by SIGTERM; the crash was recovered
    assert (tmp_path / "starts-1").read_text() == "xx" and (tmp_path / "starts-0").read_text() == "x"
