"""Scenario: many RTVI sessions over WebSocket, one bot server process per framework.

The server runs in its own process, started from this framework's venv:

* pipecat: ``benchmarks/ws/pipecat_server.py`` (FastAPI + uvicorn, one
  ``FastAPIWebsocketTransport`` + ``ProtobufFrameSerializer`` pipeline per connection);
* rtvi_core: ``rtvi run benchmarks/ws/bench.toml --port 0`` (the rtvi-websocket plugin).

This process is the load generator (``benchmarks/ws/client.py``, standard library
only, so the same client runs against both). Phases, in order:

1. start the server, wait for ``listening on http://H:P``; ``GET /health``;
2. warm-up: a few sessions do some round trips and close;
3. idle server: RSS, and CPU over ``--idle-secs`` with no session;
4. ``POST /start`` x ``--starts`` (JSON body, new connection each): server CPU and latency;
5. idle sessions: ``--idle-sessions`` sessions connect, send ``client-ready`` and get
   ``bot-ready``; RSS delta / sessions (the headline memory figure: measured before
   any larger phase, so freed memory is not reused), and server CPU per idle session
   per second over ``--idle-secs``; all close;
6. for each M in ``--clients``: M sessions connect and get ``bot-ready`` (server CPU
   per session start, RSS delta / M), then each sends ``--requests`` sequential
   ``client-message {"t": "ping", "d": {...}}`` and waits for the ``server-response``
   with its id: round-trip p50/p99 (client side), round trips/s, server CPU per round
   trip; all close and the server is polled until ``/health`` says 0 sessions
   (``session_close_cpu_us`` is the server CPU of that, /health polls included);
7. SIGTERM: time to exit and exit code.

Server CPU is the schedstat run time of every thread of the server process
(``benchmarks/ws/procstat.py``). Prints one JSON object (see ``_common.emit``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path

import _common

WS_DIR = Path(__file__).resolve().parent.parent / "ws"
sys.path.insert(0, str(WS_DIR))

from client import RTVISession, ServerError, http_request  # noqa: E402
from procstat import TICKS_PER_SECOND, cpu_ns, cpu_ticks, rss_kib  # noqa: E402

LISTENING = re.compile(r"listening on http://(?P<host>[^:\s]+):(?P<port>\d+)")
PING = {"t": "ping", "d": {"city": "Paris", "units": "metric"}}


# --------------------------------------------------------------------------- server


class Server:
    """The framework's bot server as a child process; its stderr goes to a file."""

    def __init__(self, cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> None:
        self.cmd = cmd
        self.log = tempfile.NamedTemporaryFile("w+b", prefix="ws_sessions-", suffix=".log", delete=False)  # noqa: SIM115 (closed in stop())
        self.proc = subprocess.Popen(
            cmd, cwd=str(cwd), stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT, env=env
        )
        self.host = ""
        self.port = 0

    @property
    def pid(self) -> int:
        return self.proc.pid

    async def wait_listening(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = LISTENING.search(self.log_text())
            if match:
                self.host, self.port = match["host"], int(match["port"])
                return
            if self.proc.poll() is not None:
                break
            await asyncio.sleep(0.05)
        raise ServerError(
            f"server {self.cmd} did not report 'listening on http://H:P' "
            f"(exit code {self.proc.poll()}):\n{self.log_tail()}"
        )

    def log_text(self) -> str:
        return Path(self.log.name).read_bytes().decode(errors="replace")

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def stop(self, timeout: float) -> dict:
        """SIGTERM; how long until it exited, and its exit code (killed after ``timeout``)."""
        t0 = time.perf_counter()
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
            return {"exit_code": code, "exit_s": None, "killed": True}
        return {"exit_code": code, "exit_s": time.perf_counter() - t0, "killed": False}

    def cleanup(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        os.unlink(self.log.name)


def run_against(
    server: Server, scenario: str, load: Callable[[Server], Awaitable[dict]], stop_timeout: float
) -> tuple[dict, str]:
    """``load(server)``, then SIGTERM: its results (plus ``shutdown`` and ``server_log_lines``)
    and the server's log. A failure prints the log's tail and exits naming ``scenario``."""
    try:
        try:
            results = asyncio.run(load(server))
        except Exception as exc:
            sys.stderr.write(f"--- server log tail ---\n{server.log_tail()}\n")
            raise SystemExit(f"{scenario} failed: {type(exc).__name__}: {exc}") from exc
        results["shutdown"] = server.stop(stop_timeout)
        log = server.log_text()
        results["server_log_lines"] = log.count("\n")
    finally:
        server.cleanup()
    return results, log


def serve_and_emit(
    server: Server, scenario: str, args: argparse.Namespace, load: Callable[[Server], Awaitable[dict]]
) -> None:
    """:func:`run_against` ``server`` (``args.stop_timeout``), then print the scenario's JSON
    with the server's command and ``args`` (but the framework) as its parameters."""
    results, _ = run_against(server, scenario, load, args.stop_timeout)
    _common.emit(
        scenario,
        args.framework,
        results,
        server_cmd=server.cmd,
        params={k: v for k, v in vars(args).items() if k != "framework"},
    )


def server_command(framework: str, bot_file: Path, pipecat_log_level: str) -> list[str]:
    if framework == "pipecat":
        return [sys.executable, str(WS_DIR / "pipecat_server.py"), "--port", "0", "--log-level", pipecat_log_level]
    rtvi = Path(sys.executable).with_name("rtvi")
    if not rtvi.exists():
        found = shutil.which("rtvi")
        if found is None:
            raise SystemExit(f"no `rtvi` command next to {sys.executable} or on PATH")
        rtvi = Path(found)
    return [str(rtvi), "run", str(bot_file), "--port", "0"]


# --------------------------------------------------------------------------- load


async def open_sessions(server: Server, count: int, batch: int = 50) -> tuple[list[RTVISession], list[float]]:
    """``count`` sessions, each connected and past client-ready -> bot-ready.

    Returns the sessions and each one's connect + ready time in ms.
    """
    sessions: list[RTVISession] = []
    setup_ms: list[float] = []

    async def one() -> None:
        t0 = time.perf_counter()
        session = await RTVISession.connect(server.host, server.port)
        sessions.append(session)
        await session.ready()
        setup_ms.append((time.perf_counter() - t0) * 1e3)

    for start in range(0, count, batch):
        await asyncio.gather(*(one() for _ in range(min(batch, count - start))))
    return sessions, setup_ms


async def close_sessions(server: Server, sessions: list[RTVISession], timeout: float = 60.0) -> float:
    """Close every session, then wait until the server reports none; returns seconds waited."""
    await asyncio.gather(*(s.close() for s in sessions))
    t0 = time.perf_counter()
    while True:
        status, body = await http_request(server.host, server.port, "GET", "/health")
        if status == 200 and json.loads(body).get("sessions") == 0:
            return time.perf_counter() - t0
        if time.perf_counter() - t0 > timeout:
            raise ServerError(f"server still reports sessions {timeout}s after all closed: {body!r}")
        await asyncio.sleep(0.05)


async def ping_loop(session: RTVISession, requests: int, latencies_us: list[float]) -> int:
    """``requests`` sequential pings; returns how many were not a matching server-response."""
    bad = 0
    for _ in range(requests):
        reply, rtt_ns = await session.request("client-message", PING)
        latencies_us.append(rtt_ns / 1e3)
        data = reply.get("data") or {}
        if reply.get("type") != "server-response" or data.get("t") != "ping" or "pong" not in (data.get("d") or {}):
            bad += 1
    return bad


async def measure_clients(server: Server, m: int, requests: int, timeout: float) -> dict:
    rss0, cpu0 = rss_kib(server.pid), cpu_ns(server.pid)
    sessions, setup_ms = await open_sessions(server, m)
    setup_cpu = cpu_ns(server.pid) - cpu0
    await asyncio.sleep(0.2)
    rss1, cpu1, ticks1 = rss_kib(server.pid), cpu_ns(server.pid), cpu_ticks(server.pid)
    latencies: list[float] = []
    wall0, client0 = time.perf_counter(), time.process_time()
    pings = asyncio.gather(*(ping_loop(s, requests, latencies) for s in sessions))
    bad = await asyncio.wait_for(pings, timeout)
    wall, client_cpu = time.perf_counter() - wall0, time.process_time() - client0
    cpu2, ticks2 = cpu_ns(server.pid), cpu_ticks(server.pid)
    others = sum((s.other_messages for s in sessions), Counter())
    cpu3 = cpu_ns(server.pid)
    drain_s = await close_sessions(server, sessions)
    cpu4 = cpu_ns(server.pid)
    n = m * requests
    lat = _common.summarize(latencies)
    return {
        "clients": m,
        "round_trips": n,
        "bad_replies": sum(bad),
        "p50_ms": lat["p50"] / 1e3,
        "p99_ms": lat["p99"] / 1e3,
        "max_ms": lat["max"] / 1e3,
        "round_trips_per_s": n / wall,
        "wall_s": wall,
        "cpu_us_per_rt": (cpu2 - cpu1) / n / 1e3,
        "cpu_us_per_rt_ticks": (ticks2 - ticks1) / TICKS_PER_SECOND / n * 1e6,
        "server_cpu_share": (cpu2 - cpu1) / 1e9 / wall,
        "client_cpu_us_per_rt": client_cpu / n * 1e6,
        "session_setup_ms_p50": _common.percentile(setup_ms, 50),
        "session_setup_cpu_us": setup_cpu / m / 1e3,
        "session_close_cpu_us": (cpu4 - cpu3) / m / 1e3,
        "rss_kib_per_session": (rss1 - rss0) / m,
        "close_drain_s": drain_s,
        "other_messages": dict(others),
    }


async def measure_idle_sessions(server: Server, count: int, idle_s: float) -> dict:
    rss0 = rss_kib(server.pid)
    sessions, setup_ms = await open_sessions(server, count)
    await asyncio.sleep(0.5)
    rss1 = rss_kib(server.pid)
    cpu0 = cpu_ns(server.pid)
    await asyncio.sleep(idle_s)
    cpu1 = cpu_ns(server.pid)
    rss2 = rss_kib(server.pid)
    others = sum((s.other_messages for s in sessions), Counter())
    await close_sessions(server, sessions)
    return {
        "sessions": count,
        "rss_kib_per_session": (rss1 - rss0) / count,
        "rss_kib_per_session_after_idle": (rss2 - rss0) / count,
        "rss_before_kib": rss0,
        "idle_cpu_us_per_session_per_s": (cpu1 - cpu0) / 1e3 / count / idle_s,
        "session_setup_ms_p50": _common.percentile(setup_ms, 50),
        "session_setup_ms_p99": _common.percentile(setup_ms, 99),
        "other_messages": dict(others),
    }


async def measure_starts(server: Server, count: int) -> dict:
    latencies_ms = []
    statuses: dict[int, int] = {}
    cpu0 = cpu_ns(server.pid)
    for _ in range(count):
        t0 = time.perf_counter()
        status, body = await http_request(
            server.host, server.port, "POST", "/start", {"transport": "websocket", "body": {"bench": True}}
        )
        latencies_ms.append((time.perf_counter() - t0) * 1e3)
        statuses[status] = statuses.get(status, 0) + 1
    cpu1 = cpu_ns(server.pid)
    ws_url = json.loads(body).get("wsUrl") if status == 200 else None
    return {
        "requests": count,
        "statuses": {str(k): v for k, v in statuses.items()},
        "ws_url": ws_url,
        "cpu_us_per_start": (cpu1 - cpu0) / count / 1e3,
        "p50_ms": _common.percentile(latencies_ms, 50),
    }


async def run(args, server: Server) -> dict:
    t0 = time.perf_counter()
    await server.wait_listening(args.start_timeout)
    results: dict = {"server_start_s": time.perf_counter() - t0, "rss_at_start_kib": rss_kib(server.pid)}
    status, body = await http_request(server.host, server.port, "GET", "/health")
    if status != 200:
        raise ServerError(f"GET /health answered {status}: {body[:200]!r}")
    results["health"] = json.loads(body)

    warm, _ = await open_sessions(server, args.warmup_clients)
    await asyncio.wait_for(asyncio.gather(*(ping_loop(s, 20, []) for s in warm)), args.phase_timeout)
    await close_sessions(server, warm)

    await asyncio.sleep(0.3)
    cpu0 = cpu_ns(server.pid)
    await asyncio.sleep(args.idle_secs)
    results["idle_server"] = {
        "rss_kib": rss_kib(server.pid),
        "cpu_us_per_s": (cpu_ns(server.pid) - cpu0) / 1e3 / args.idle_secs,
    }
    if args.starts:
        results["post_start"] = await measure_starts(server, args.starts)
    if args.idle_sessions:
        results["idle_sessions"] = await measure_idle_sessions(server, args.idle_sessions, args.idle_secs)
    for m in args.clients:
        results[f"m{m}"] = await measure_clients(server, m, args.requests, args.phase_timeout)
    results["rss_at_end_kib"] = rss_kib(server.pid)
    return results


def client_counts(text: str) -> list[int]:
    """``--clients``: comma-separated positive integers."""
    try:
        counts = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        counts = []
    if not counts or min(counts) < 1 or len(set(counts)) != len(counts):
        raise argparse.ArgumentTypeError(
            f"expected distinct comma-separated positive integers like 1,10,50, got {text!r}"
        )
    return counts


def main() -> None:
    parser = _common.make_parser(__doc__.splitlines()[0])
    parser.add_argument("--clients", type=client_counts, default="1,10,50,200", help="comma-separated client counts M")
    parser.add_argument("--requests", type=int, default=50, help="sequential round trips per client")
    parser.add_argument("--idle-sessions", type=int, default=200, help="sessions for the idle RSS/CPU phase (0: skip)")
    parser.add_argument("--idle-secs", type=float, default=2.0, help="idle CPU measuring window")
    parser.add_argument("--starts", type=int, default=50, help="POST /start requests (0: skip)")
    parser.add_argument("--warmup-clients", type=int, default=5)
    parser.add_argument("--bot-file", default=str(WS_DIR / "bench.toml"), help="rtvi_core bot file")
    parser.add_argument(
        "--pipecat-log-level", default="DEBUG", help="Pipecat server's loguru level (DEBUG: what its runner sets)"
    )
    parser.add_argument("--start-timeout", type=float, default=60.0)
    parser.add_argument("--stop-timeout", type=float, default=20.0)
    parser.add_argument(
        "--phase-timeout", type=float, default=300.0, help="longest a ping phase may take (s) before the run fails"
    )
    args = parser.parse_args()

    server = Server(server_command(args.framework, Path(args.bot_file), args.pipecat_log_level), WS_DIR)
    serve_and_emit(server, "ws_sessions", args, lambda s: run(args, s))


if __name__ == "__main__":
    main()
