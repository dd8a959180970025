"""The stock ``@pipecat-ai/client-js`` (websocket transport) completes a session through the gateway.

``startBotAndConnect({endpoint: "<gateway>/start"})``: the gateway reserves a slot on a worker
and answers that worker's ``wsUrl`` and token; the client connects there (the token on the
URL), talks to the echo bot and hears it. The harness is the websocket plugin's
(``js/e2e-client.mjs``, the pinned stock packages).
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from cluster_support import DEADLINE_SECS, bot_file, running_cluster
from js_support import JS, browser, stock_client_node
from redis_support import RedisServer

pytestmark = pytest.mark.rtvi_plugins

SCRIPT = [
    {"op": "connect"},
    {"op": "sendText", "text": "tell me about tomatoes"},
    {"op": "waitFor", "event": "botStartedSpeaking"},
    {"op": "waitFor", "event": "botStoppedSpeaking"},
    {"op": "expectAudio", "minBytes": 1920},
    {"op": "disconnectBot"},
    {"op": "waitFor", "event": "disconnected"},
]


def test_the_stock_client_completes_a_session_through_the_gateway(redis_server: RedisServer, tmp_path: Path) -> None:
    node = stock_client_node()
    with running_cluster(redis_server, bot_file(tmp_path), workers=2, gateways=1) as cluster:
        gateway = cluster.gateways[0]
        command = [node, "--experimental-websocket", "e2e-client.mjs", "--start-url", f"{gateway.url}start"]
        command += ["--script", "-", "--timeout", "60", "--origin", "http://localhost"]
        done = subprocess.run(command, cwd=JS, input=json.dumps(SCRIPT), capture_output=True, text=True, timeout=240)
        events = browser.events_of(done)
        logs = "".join(line for served in (*cluster.workers, gateway) for line in served.log[-20:])
        assert done.returncode == 0 and events and events[-1]["event"] == "done", (
            f"the stock client failed: {events[-1:] or done.returncode}\nstderr:\n{done.stderr[-3000:]}\nlogs:\n{logs}"
        )
        said = "".join(event["data"]["text"] for event in events if event["event"] == "botLlmText")
        assert "You said: tell me about tomatoes" in said, said
        assert "botReady" in [event["event"] for event in events]
        deadline = time.monotonic() + DEADLINE_SECS
        while (state := httpx.get(f"{gateway.url}health").json())["reserved"] or state["sessions"]:
            assert time.monotonic() < deadline, f"the session's slot did not come back: {state}"
            time.sleep(0.05)
