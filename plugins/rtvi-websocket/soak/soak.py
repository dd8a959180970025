"""Soak test: open and close sessions against `rtvi run` in a loop; report the server's RSS.

Not part of the test suite (it runs for minutes). Usage::

    python plugins/rtvi-websocket/soak/soak.py --minutes 3 [--clients 20]

Starts the test bot (``tests/server_support.BOT``) with ``rtvi run --port 0``; each of
``--clients`` workers loops: connect, client-ready → bot-ready, a client-message
round trip, a send-text turn until bot-stopped-speaking (real-time audio), close.
Prints RSS at start, every 30 s and at the end, and exits 1 if any round failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent / "tests"
sys.path.insert(0, str(TESTS))

from rtvi_websocket.testing import RTVIClient  # noqa: E402
from server_support import bot_text  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def one_round(port: int, n: int) -> None:
    async with connect(f"ws://127.0.0.1:{port}/ws", max_size=None) as ws:
        bot = RTVIClient(ws)
        await bot.ready()
        await bot.request("ping", n)
        await bot.send("send-text", {"content": "soak", "options": {"run_immediately": True}})
        await bot.wait_for("bot-stopped-speaking", timeout=30)


async def worker(port: int, until: float, counts: dict[str, int]) -> None:
    n = 0
    while time.monotonic() < until:
        n += 1
        try:
            await asyncio.wait_for(one_round(port, n), 30)
            counts["ok"] += 1
        except Exception as exc:
            counts["failed"] += 1
            print(f"round failed: {exc!r}", file=sys.stderr)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--clients", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bot = Path(tmp) / "bot.toml"
        bot.write_text(
            bot_text(max_sessions=args.clients + 10).replace('"bot_actions"', json.dumps(str(TESTS / "bot_actions.py")))
        )
        env = dict(os.environ, RTVI_PLUGINS_ALLOW="websocket")
        server = subprocess.Popen(
            [sys.executable, "-m", "rtvi_core.cli", "run", str(bot), "--port", "0"],
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        try:
            port = 0
            for line in server.stderr:
                match = re.search(r"listening on http://[^:]+:(\d+)", line)
                if match:
                    port = int(match[1])
                    break
            start_rss = rss_kib(server.pid)
            print(f"server pid {server.pid} on port {port}: RSS at start {start_rss} KiB")
            counts = {"ok": 0, "failed": 0}
            until = time.monotonic() + args.minutes * 60
            workers = [asyncio.create_task(worker(port, until, counts)) for _ in range(args.clients)]
            while not all(w.done() for w in workers):
                await asyncio.wait(workers, timeout=30)
                print(
                    f"  {counts['ok']} rounds ok, {counts['failed']} failed, RSS {rss_kib(server.pid)} KiB", flush=True
                )
            await asyncio.sleep(1)
            end_rss = rss_kib(server.pid)
            print(
                f"RSS at start {start_rss} KiB, at end {end_rss} KiB ({end_rss - start_rss:+d} KiB) "
                f"after {counts['ok']} sessions ({counts['failed']} failed)"
            )
            return 1 if counts["failed"] else 0
        finally:
            server.terminate()
            server.wait(30)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
