"""`rtvi run` as a real process: the stock client-js + websocket-transport in Node, and SIGTERM drain."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from js_support import JS, stock_client_node
from server_support import HERE, bot_text
from websockets.sync.client import connect

from rtvi_core.testing.served import served_bot


@pytest.fixture
def rtvi_run(tmp_path: Path) -> Iterator:
    """Start ``rtvi run <bot file> --port 0``; yields ``start(**transport) -> (process, port)``."""
    with ExitStack() as running:

        def start(**transport: object) -> tuple[subprocess.Popen, int]:
            bot = tmp_path / "bot.toml"
            bot.write_text(bot_text(**transport).replace('"bot_actions"', json.dumps(str(HERE / "bot_actions.py"))))
            server = running.enter_context(served_bot(str(bot), env={"RTVI_PLUGINS_ALLOW": "websocket"}))
            return server.process, server.port

        yield start


def run_stock_client(port: int, *args: str) -> list[dict]:
    node = stock_client_node()
    done = subprocess.run(
        [node, "--experimental-websocket", "e2e-client.mjs", "--start-url", f"http://127.0.0.1:{port}/start", *args],
        cwd=JS,
        capture_output=True,
        text=True,
        timeout=120,
    )
    events = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert done.returncode == 0, f"stock client failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return events


def test_stock_client_connects_talks_and_disconnects(rtvi_run) -> None:
    process, port = rtvi_run()
    events = run_stock_client(port, "--text", "hello there")
    names = [event["event"] for event in events]
    assert names.index("botReady") < names.index("botStartedSpeaking") < names.index("botStoppedSpeaking")
    ready = next(e["data"] for e in events if e["event"] == "botReady")
    assert ready["version"] == "2.2.0"  # the stock client (2.1.0) accepts any 2.x server
    assert ready["capabilities"] == {
        "audio_in": True,
        "audio_out": True,
        "video_in": False,
        "screen_in": False,
        "video_out": False,
        "metrics": False,
    }
    assert any(e["event"] == "userTranscript" or e["event"] == "userLlmText" for e in events)
    audio = next(e["data"] for e in events if e["event"] == "audioSummary")
    assert audio["received"]["frames"] > 5 and audio["received"]["bytes"] % 2 == 0
    result = next(e["data"] for e in events if e["event"] == "clientRequestResult")
    assert result == {"pong": {"n": 1}}  # sendClientRequest resolves with the response data d
    assert names[-1] == "done" and "disconnected" in names
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0


def test_sigterm_drains_live_sessions_then_closes_them_with_1001(rtvi_run) -> None:
    process, port = rtvi_run(drain_timeout_secs=1.0)
    with connect(f"ws://127.0.0.1:{port}/ws") as ws:
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        with pytest.raises(Exception):  # noqa: B017 (ConnectionClosed or a socket error, by timing)
            while True:
                ws.recv(timeout=15)
        drained = time.monotonic() - started
        assert ws.close_code == 1001 and ws.close_reason == "server shutting down"
    assert process.wait(timeout=20) == 0
    print(f"session closed {drained:.2f} s after SIGTERM (drain_timeout_secs = 1)")
    with pytest.raises(OSError):  # no longer listening
        connect(f"ws://127.0.0.1:{port}/ws", open_timeout=2).close()
