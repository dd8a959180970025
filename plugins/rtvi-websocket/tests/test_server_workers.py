"""`rtvi run --workers 2` as real processes: two servers on one port, the sessions spread
over both, one SIGTERM drains both, and the bot files it cannot split are refused."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path

import pytest
from server_support import HERE, bot_text
from websockets.sync.client import connect

from rtvi_core.plugins.manager import ENV_DISABLE_AUTOLOAD
from rtvi_core.testing.served import served_bot

SESSIONS = 16


def write_bot(tmp_path: Path, **transport: object) -> Path:
    bot = tmp_path / "bot.toml"
    bot.write_text(bot_text(**transport).replace('"bot_actions"', json.dumps(str(HERE / "bot_actions.py"))))
    return bot


def rtvi(*args: str, **environ: str) -> subprocess.CompletedProcess[str]:
    """``rtvi ARGS`` with the installed plugins (the test session turns their autoload off)."""
    env = {k: v for k, v in os.environ.items() if k != ENV_DISABLE_AUTOLOAD} | environ
    return subprocess.run(
        [sys.executable, "-m", "rtvi_core.cli", *args], capture_output=True, text=True, timeout=60, env=env
    )


def health(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10) as answer:
        return json.loads(answer.read())


def test_two_workers_share_the_port_and_one_sigterm_drains_both(tmp_path: Path) -> None:
    bot = write_bot(tmp_path, drain_timeout_secs=1.0)
    env = {"RTVI_PLUGINS_ALLOW": "websocket"}
    with served_bot(str(bot), "--workers", "2", env=env) as server, ExitStack() as clients:
        assert any("with 2 workers" in line for line in server.log)
        sockets = [clients.enter_context(connect(f"ws://127.0.0.1:{server.port}/ws")) for _ in range(SESSIONS)]
        counts: dict[int, int] = {}
        deadline = time.monotonic() + 30
        while (len(counts) < 2 or sum(counts.values()) < SESSIONS) and time.monotonic() < deadline:
            answer = health(server.port)  # each /health is answered by the worker it reaches
            counts[answer["worker"]["pid"]] = answer["sessions"]
        assert len(counts) == 2 and sum(counts.values()) == SESSIONS, counts
        assert all(counts.values()), f"the kernel gave one worker every session: {counts}"
        server.process.send_signal(signal.SIGTERM)
        for ws in sockets:  # both workers drain, then close their sessions with 1001
            with pytest.raises(Exception):  # noqa: B017 (ConnectionClosed or a socket error, by timing)
                while True:
                    ws.recv(timeout=15)
            assert ws.close_code == 1001
        assert server.process.wait(timeout=30) == 0
    for pid in counts:
        assert not Path(f"/proc/{pid}").exists(), f"worker {pid} outlived its supervisor"


@pytest.mark.parametrize(
    ("transport", "named"),
    [
        ({"auth": True, "auth_secret": "s" * 32}, "single-use per process"),
        ({"also_serve": ["webrtc"]}, "transport 'webrtc'"),
    ],
)
def test_workers_refuse_a_bot_whose_sessions_span_requests(tmp_path: Path, transport: dict, named: str) -> None:
    pytest.importorskip("rtvi_webrtc")
    bot = write_bot(tmp_path, **transport)
    done = rtvi("run", str(bot), "--port", "0", "--workers", "2")
    assert done.returncode == 1
    assert f"{bot}: --workers 2: " in done.stderr and named in done.stderr and "--cluster" in done.stderr


@pytest.mark.parametrize("count", ["0", "65", "two"])
def test_a_bad_worker_count_is_a_usage_error(count: str) -> None:
    done = rtvi("run", "--workers", count)
    assert done.returncode == 2
    assert f"expected a number of processes from 1 to 64, got '{count}'" in done.stderr


def test_workers_refuse_a_cluster_worker(tmp_path: Path) -> None:
    pytest.importorskip("rtvi_cluster")
    bot = write_bot(tmp_path)
    cluster = ["--cluster", "redis://127.0.0.1:1/0"]  # refused before any connection to it
    done = rtvi("run", str(bot), "--port", "0", "--workers", "2", *cluster, RTVI_CLUSTER_SECRET="s" * 32)
    assert done.returncode == 1
    assert f"{bot}: --workers 2: a cluster worker's tokens are bound to its process" in done.stderr
