"""Every session ends: a provider that never starts, or fails to, or ignores cancellation at shutdown.

Each in-process case runs a second session beside the broken one (the misbehaving
providers misbehave in their first instance only), which must keep answering.
"""

from __future__ import annotations

import json
import re
import signal
import time
from pathlib import Path
from urllib.request import urlopen

import anyio
import faulty_providers
import pytest
from server_support import bot_text, client, healthy_session, serving, sessions_ended
from websockets.sync.client import connect

from rtvi_core.testing.served import served_bot

pytestmark = [pytest.mark.anyio, pytest.mark.rtvi_plugins]

HERE = Path(__file__).resolve().parent


def faulty_bot(tts: str, start_timeout_secs: float, **transport: object) -> str:
    text = bot_text(**transport).replace('[tts]\nuse = "tone"', f'[tts]\nuse = "{tts}"')
    return text + f"\n[rtvi.pipeline]\nstart_timeout_secs = {start_timeout_secs}\n"


@pytest.fixture(autouse=True)
def _fresh_providers() -> None:
    faulty_providers.misbehaved.clear()


@pytest.mark.parametrize(
    ("tts", "error"),
    [
        ("hang-once", re.compile(r"tts plugin 'hang-once'.*did not start within 1(\.0)? s")),
        ("fail-once", re.compile(r"tts plugin 'fail-once'.*failed to start.*the voice model is missing")),
    ],
)
async def test_a_provider_that_does_not_start_ends_its_session_with_a_fatal_error_and_1011(tts, error):
    async with serving(bot=faulty_bot(tts, 1), plugins=(faulty_providers,)) as server:
        async with client(server) as broken:
            await broken.send("client-ready", {"version": "2.1.0", "about": {"library": "test"}})
            async with client(server) as other:  # the second instance starts normally
                await other.ready()
                assert (await other.request("ping", 1))["type"] == "server-response"
                message = await broken.wait_for("error")
                assert message["data"]["fatal"] is True and error.search(message["data"]["error"]), message
                code, reason = await broken.closed()
                assert code == 1011 and reason.startswith("the bot failed")
                assert (await other.request("ping", 2))["type"] == "server-response"
        await sessions_ended(server)
        assert server.session_count == 0
        await healthy_session(server)


async def test_a_client_that_leaves_while_its_pipeline_is_starting_frees_its_slot():
    async with serving(bot=faulty_bot("hang-once", 600), plugins=(faulty_providers,)) as server:
        async with client(server) as broken:
            await broken.send("client-ready", {"version": "2.1.0", "about": {"library": "test"}})
            with anyio.fail_after(10):
                while server.session_count < 1:
                    await anyio.sleep(0.02)
        # Gone long before its 600 s start deadline: the session is cancelled, the slot freed.
        async with client(server) as other:
            await other.ready()
            with anyio.fail_after(15):
                while server.session_count > 1:
                    await anyio.sleep(0.05)
            assert (await other.request("ping", 3))["type"] == "server-response"


def test_sigterm_ends_the_process_even_when_a_session_ignores_cancellation(tmp_path: Path) -> None:
    actions = HERE.parents[1] / "plugins" / "rtvi-websocket" / "tests" / "bot_actions.py"
    bot = tmp_path / "bot.toml"
    bot.write_text(faulty_bot("stubborn", 1, drain_timeout_secs=1).replace('"bot_actions"', json.dumps(str(actions))))
    launcher = (str(HERE / "run_with_faulty_providers.py"),)
    with served_bot(str(bot), entry=launcher, env={"RTVI_PLUGINS_ALLOW": "websocket"}) as served:
        with connect(f"ws://127.0.0.1:{served.port}/ws"):
            deadline = time.monotonic() + 10
            while json.loads(urlopen(f"{served.url}health", timeout=5).read())["sessions"] < 1:
                assert time.monotonic() < deadline
                time.sleep(0.05)
            served.process.send_signal(signal.SIGTERM)
            status = served.process.wait(timeout=40)
    log = "".join(served.log)
    assert status == 1, log
    assert "tts plugin 'stubborn' did not start within 1 s" in log
    assert re.search(r"1 task\(s\) ignored cancellation at shutdown \(test-bot::start\); exiting anyway", log), log
