"""Scenario (rtvi_core only: Pipecat has no self-hosted cluster): issue 14's cluster on one machine.

Processes on loopback, all started here: Debian's ``redis-server`` on a free port (no
persistence), three workers (``benchmarks/phone/rtvi_server.py cluster/worker.toml
--cluster redis://...``: ``rtvi run`` with the stand-in STT of ``phone/heard.py``; energy
VAD, echo LLM, tone TTS) and one gateway (``rtvi gateway``, no per-address rate limit).

1. **Dispatch**: ``--starts`` ``POST /start`` to the gateway from ``--concurrency`` tasks at
   once, each on a new connection, as browsers do: answers per second, latency p50/p99
   (client side), and the CPU of the gateway and of Redis per ``/start``. Every answer is a
   reserved slot; the scenario waits until they have expired (the token TTL) before phase 2.
2. **Calls held**: the ``calls`` benchmark's callers (``calls/load.py``), each asking the
   gateway where to connect, for each N of ``--calls`` until one degrades (a call fails,
   gaps, or the median turn latency doubles against one call): concurrent calls held by the
   three workers, how the gateway spread them, and the workers' CPU per call.

Prints one JSON object (see ``_common.emit``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import _common
import call_ladder as ladder
from ws_sessions import Server

HERE = Path(__file__).resolve().parent
BENCH = HERE.parent
sys.path.insert(0, str(BENCH / "calls"))
sys.path.insert(0, str(BENCH / "ws"))

from client import ServerError, http_request  # noqa: E402
from load import run_calls  # noqa: E402
from procstat import TICKS_PER_SECOND, cpu_ticks  # noqa: E402

SECRET = "cluster-benchmark-secret-0123456789"
WORKERS = 3


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Redis:
    """Debian's redis-server on a free loopback port, in a temporary directory."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise SystemExit("the cluster benchmark needs redis-server (apt-get install redis-server)")
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="cluster-bench-redis-")
        self.proc = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.dir,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.url = f"redis://127.0.0.1:{self.port}/0"

    async def wait_ready(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.write(b"PING\r\n")
                if (await reader.readline()).startswith(b"+PONG"):
                    writer.close()
                    return
                writer.close()
            except OSError:
                pass
            await asyncio.sleep(0.05)
        raise ServerError("redis-server did not answer PING")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


def cpu_s(pid: int) -> float:
    return cpu_ticks(pid) / TICKS_PER_SECOND


async def dispatch(gateway: Server, redis: Redis, starts: int, concurrency: int) -> dict:
    """``starts`` POST /start from ``concurrency`` tasks: throughput, latency, CPU per /start."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    todo = iter(range(starts))

    async def client() -> None:
        for _ in todo:
            t0 = time.perf_counter()
            status, _ = await http_request(gateway.host, gateway.port, "POST", "/start", {})
            latencies.append(time.perf_counter() - t0)
            statuses[status] = statuses.get(status, 0) + 1

    cpu0, redis0, t0 = cpu_s(gateway.pid), cpu_s(redis.proc.pid), time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    wall = time.perf_counter() - t0
    cpu1, redis1 = cpu_s(gateway.pid), cpu_s(redis.proc.pid)
    latencies.sort()
    return {
        "starts": starts,
        "concurrency": concurrency,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "starts_per_sec": starts / wall,
        "latency_ms_p50": statistics.median(latencies) * 1000,
        "latency_ms_p99": latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))] * 1000,
        "gateway_cpu_us_per_start": (cpu1 - cpu0) / starts * 1e6,
        "redis_cpu_us_per_start": (redis1 - redis0) / starts * 1e6,
    }


async def scenario(args: argparse.Namespace, redis: Redis, gateway: Server, workers: list[Server]) -> dict:
    await redis.wait_ready()
    for worker in workers:
        await worker.wait_listening(args.start_timeout)
    await gateway.wait_listening(args.start_timeout)
    await asyncio.sleep(2)  # the workers' first heartbeats
    status, body = await http_request(gateway.host, gateway.port, "GET", "/health")
    results: dict = {"health_at_start": body.decode(errors="replace"), "health_status": status}
    results["dispatch"] = await dispatch(gateway, redis, args.starts, args.concurrency)
    await asyncio.sleep(args.token_ttl + 3)  # the reserved slots expire
    others = {f"worker{i + 1}": worker.pid for i, worker in enumerate(workers)} | {"redis": redis.proc.pid}

    async def via_gateway(
        host: str, port: int, calls: int, secs: float, on_open: Callable[[], None] | None = None
    ) -> dict:
        return await run_calls(host, port, calls, secs, on_open, via_start=True)

    ladder_results = await ladder.climb("cluster", args, gateway, via_gateway, degraded, others)
    for step in ladder_results.values():
        if isinstance(step, dict) and "calls" in step:
            workers_cpu = sum(step.get(f"worker{i + 1}_cpu_pct", 0.0) for i in range(WORKERS))
            step["workers_cpu_ms_per_s_per_call"] = workers_cpu * 10 / step["calls"]
    return results | ladder_results


degraded = ladder.first_of(ladder.failed_calls, ladder.gappy_audio, ladder.slow_turns)


def main() -> None:
    parser = _common.make_parser(__doc__.splitlines()[0])
    ladder.add_ladder_arguments(parser, "1,30,60,90,120,150,180,240,300")
    parser.add_argument("--starts", type=int, default=3000, help="POST /start in the dispatch phase")
    parser.add_argument("--concurrency", type=int, default=50, help="tasks sending them at once")
    parser.add_argument("--token-ttl", type=float, default=5.0, help="the workers' [cluster] token_ttl_secs")
    parser.add_argument("--gap-limit-pct", type=float, default=1.0)
    parser.add_argument("--latency-factor", type=float, default=2.0)
    parser.add_argument("--start-timeout", type=float, default=90.0)
    parser.add_argument("--stop-timeout", type=float, default=30.0)
    args = parser.parse_args()
    if args.framework != "rtvi_core":
        raise SystemExit("the cluster scenario is rtvi_core only: Pipecat has no self-hosted cluster")
    redis = Redis()
    env = os.environ | {"RTVI_CLUSTER_SECRET": SECRET}
    worker_cmd = [sys.executable, str(BENCH / "phone" / "rtvi_server.py"), str(BENCH / "cluster" / "worker.toml")]
    workers = [Server([*worker_cmd, "--port", "0", "--cluster", redis.url], BENCH, env=env) for _ in range(WORKERS)]
    rtvi = str(Path(sys.executable).with_name("rtvi"))
    gateway_cmd = [rtvi, "gateway", "--cluster", redis.url, "--port", "0", "--start-rate-limit", "0"]
    gateway = Server([*gateway_cmd, "--token-ttl", str(args.token_ttl)], BENCH, env=env)
    try:
        results = asyncio.run(scenario(args, redis, gateway, workers))
        results["shutdown"] = {f"worker{i + 1}": w.stop(args.stop_timeout) for i, w in enumerate(workers)}
    finally:
        for server in (gateway, *workers):
            if server.proc.poll() is None:
                server.proc.kill()
        redis.stop()
    params = {k: v for k, v in vars(args).items() if k != "framework"}
    _common.emit("cluster", args.framework, results, params=params)


if __name__ == "__main__":
    main()
