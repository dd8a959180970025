"""Scenario: streaming voice sessions over WebRTC, one bot server process per framework.

The server runs in its own process, started from this framework's venv:

* pipecat: ``benchmarks/webrtc/pipecat_server.py`` (FastAPI + uvicorn,
  ``SmallWebRTCRequestHandler``, one ``SmallWebRTCTransport`` pipeline per peer);
* rtvi_core: ``benchmarks/webrtc/rtvi_server.py bench.toml --port 0`` (``rtvi run`` with
  the rtvi-webrtc plugin and the benchmark's ``audio-echo`` processor).

Both run the same bot (``benchmarks/webrtc/echo.py``): every microphone frame is played
back as bot audio, so each session streams audio in and out at real time for as long as
it lasts. Both gather ICE candidates on 127.0.0.1 only.

This process is the load generator (``benchmarks/webrtc/peers.py``: N aiortc peers that
send pre-encoded Opus packets of ``rtvi_core/testing/data/weather-question.wav`` in a
loop, and note the arrival time of each bot audio packet without decoding it). Phases:

1. start the server, wait for ``listening on http://H:P``; a warm-up session (3 s);
   idle server RSS and CPU over 2 s;
2. for each N in ``--sessions`` (1, 5, 10, 20): N peers connect (``/start``, offer,
   answer, data channel, ``client-ready`` -> ``bot-ready``), ``--settle`` s pass, then over
   ``--secs`` (30 s): the server's CPU (schedstat of all its threads, and ``utime+stime``
   ticks), the client's own CPU, and per peer the bot audio packets that arrived and those
   that came more than 60 ms after the previous one (**late**: an underrun the listener
   hears); then all close and ``/health`` is polled until 0 sessions;
3. SIGTERM.

Per N: ``cpu_ms_per_s_per_session`` (server CPU ms per second of streaming per session,
i.e. % of one core x 10), ``late_pct`` (late packets / packets, all peers), ``frames_per_s``
per peer. Prints one JSON object (see ``_common.emit``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import time
from pathlib import Path

import _common
from ws_sessions import Server, serve_and_emit

HERE = Path(__file__).resolve().parent
WEBRTC_DIR = HERE.parent / "webrtc"
ROOT = HERE.parent.parent
sys.path.insert(0, str(WEBRTC_DIR))

from peers import (  # noqa: E402
    ARRIVALS,
    Peer,
    encode_wav,
    gather_on_loopback_only,
    http,
    install_arrival_recorder,
    late_frames,
)
from procstat import TICKS_PER_SECOND, cpu_ns, cpu_ticks, rss_kib  # noqa: E402 (benchmarks/ws, on the path via ws_sessions)

SPEECH = ROOT / "rtvi_core" / "testing" / "data" / "weather-question.wav"


def server_command(framework: str, bot_file: Path, pipecat_log_level: str) -> list[str]:
    if framework == "pipecat":
        return [sys.executable, str(WEBRTC_DIR / "pipecat_server.py"), "--port", "0", "--log-level", pipecat_log_level]
    return [sys.executable, str(WEBRTC_DIR / "rtvi_server.py"), str(bot_file), "--port", "0"]


def client_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def open_peers(server: Server, packets: list[bytes], count: int, batch: int) -> tuple[list[Peer], float]:
    peers: list[Peer] = []
    t0 = time.perf_counter()
    for start in range(0, count, batch):
        group = [Peer(packets, offset=(start + i) * 7) for i in range(min(batch, count - start))]
        peers += group
        await asyncio.gather(*(p.connect(server.host, server.port) for p in group))
    return peers, time.perf_counter() - t0


async def close_peers(server: Server, peers: list[Peer], timeout: float = 60.0) -> float:
    await asyncio.gather(*(p.close() for p in peers), return_exceptions=True)
    t0 = time.perf_counter()
    while True:
        status, body = await http(server.host, server.port, "GET", "/health")
        if status == 200 and body.get("sessions") == 0:
            ARRIVALS.clear()
            return time.perf_counter() - t0
        if time.perf_counter() - t0 > timeout:
            raise RuntimeError(f"server still reports sessions {timeout}s after all closed: {body!r}")
        await asyncio.sleep(0.1)


async def measure(server: Server, packets: list[bytes], n: int, args: argparse.Namespace) -> dict:
    rss0 = rss_kib(server.pid)
    peers, connect_s = await open_peers(server, packets, n, args.batch)
    await asyncio.sleep(args.settle)
    start, cpu0, ticks0, client0 = time.monotonic(), cpu_ns(server.pid), cpu_ticks(server.pid), client_cpu_s()
    await asyncio.sleep(args.secs)
    end, cpu1, ticks1, client1 = time.monotonic(), cpu_ns(server.pid), cpu_ticks(server.pid), client_cpu_s()
    secs = end - start
    rss1 = rss_kib(server.pid)
    per_peer = [late_frames(p.arrivals, start, end) for p in peers]
    frames = sum(p["frames"] for p in per_peer)
    late = sum(p["late"] for p in per_peer)
    closed_s = await close_peers(server, peers)
    return {
        "sessions": n,
        "secs": secs,
        "connect_s": connect_s,
        "server_cpu_pct": (cpu1 - cpu0) / 1e9 / secs * 100,
        "cpu_ms_per_s_per_session": (cpu1 - cpu0) / 1e6 / secs / n,
        "cpu_ms_per_s_per_session_ticks": (ticks1 - ticks0) / TICKS_PER_SECOND * 1e3 / secs / n,
        "client_cpu_pct": (client1 - client0) / secs * 100,
        "rss_kib_per_session": (rss1 - rss0) / n,
        "frames_per_s_per_session": frames / secs / n,
        "late_frames": late,
        "late_pct": 100 * late / frames if frames else 100.0,
        "missed_ms_per_session_per_s": sum(p["missed_ms"] for p in per_peer) / secs / n,
        "sessions_with_late": sum(1 for p in per_peer if p["late"]),
        "worst_session_late_pct": max(100 * p["late"] / p["frames"] if p["frames"] else 100.0 for p in per_peer),
        "close_s": closed_s,
    }


async def run(args: argparse.Namespace, server: Server) -> dict:
    await server.wait_listening(args.start_timeout)
    install_arrival_recorder()
    gather_on_loopback_only()
    packets = encode_wav(str(SPEECH))
    results: dict = {"speech_packets": len(packets), "speech_packet_bytes_mean": sum(map(len, packets)) / len(packets)}
    warm, _ = await open_peers(server, packets, 1, 1)
    await asyncio.sleep(3)
    await close_peers(server, warm)
    cpu0 = cpu_ns(server.pid)
    await asyncio.sleep(2)
    results["idle_server"] = {"rss_kib": rss_kib(server.pid), "cpu_ms_per_s": (cpu_ns(server.pid) - cpu0) / 1e6 / 2}
    for n in args.sessions:
        results[f"n{n}"] = await measure(server, packets, n, args)
        print(f"[webrtc_sessions] {args.framework} N={n}: {json.dumps(results[f'n{n}'])}", file=sys.stderr, flush=True)
    held = [n for n in args.sessions if results[f"n{n}"]["late_pct"] <= args.late_limit_pct]
    # The N reached before underruns: the largest N of the ladder up to the first that underran.
    reached = 0
    for n in args.sessions:
        if results[f"n{n}"]["late_pct"] > args.late_limit_pct:
            break
        reached = n
    results["sessions_held"] = reached
    results["sessions_held_any"] = max(held) if held else 0
    results["rss_at_end_kib"] = rss_kib(server.pid)
    return results


def counts(text: str) -> list[int]:
    values = [int(x) for x in text.split(",") if x.strip()]
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected comma-separated positive integers, got {text!r}")
    return values


def main() -> None:
    parser = _common.make_parser(__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=counts, default="1,5,10,20", help="comma-separated session counts N")
    parser.add_argument("--secs", type=float, default=30.0, help="measuring window per N")
    parser.add_argument("--settle", type=float, default=3.0, help="seconds between the last bot-ready and the window")
    parser.add_argument("--batch", type=int, default=5, help="peers connecting at once")
    parser.add_argument("--late-limit-pct", type=float, default=1.0, help="late packets beyond this %: underruns")
    parser.add_argument("--bot-file", default=str(WEBRTC_DIR / "bench.toml"), help="rtvi_core bot file")
    parser.add_argument(
        "--pipecat-log-level", default="DEBUG", help="Pipecat server's loguru level (DEBUG: what its runner sets)"
    )
    parser.add_argument("--start-timeout", type=float, default=60.0)
    parser.add_argument("--stop-timeout", type=float, default=20.0)
    args = parser.parse_args()

    server = Server(server_command(args.framework, Path(args.bot_file), args.pipecat_log_level), WEBRTC_DIR)
    serve_and_emit(server, "webrtc_sessions", args, lambda s: run(args, s))


if __name__ == "__main__":
    main()
