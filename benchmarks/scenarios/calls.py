"""Scenario: concurrent voice calls on cloud services (fakes on loopback), one bot server per framework.

Issue 18's calls-per-machine comparison. Three processes besides this one, all on loopback:

* the providers (``benchmarks/calls/fakes.py``): Deepgram live STT, Cartesia TTS and an
  OpenAI-style LLM, speaking their wire protocols with realistic pacing (an interim result
  every 250 ms of speech, TTS audio 4x faster than real time, LLM tokens at 50/s); the same
  cheap process for both frameworks;
* the bot server: Pipecat 1.14 (``benchmarks/calls/pipecat_server.py``: its
  ``DeepgramSTTService``, ``OpenAILLMService`` and ``CartesiaTTSService``, Silero VAD, the
  FastAPI WebSocket transport) or ``rtvi run benchmarks/calls/calls.toml`` (rtvi-deepgram,
  rtvi-openai, rtvi-cartesia, rtvi-silero, rtvi-websocket), each pointed at the fakes;
* this process, the callers (``benchmarks/calls/load.py``).

For each N of ``--calls`` (in order, until one degrades): N calls stream their microphones
for ``--secs``, asking the same question again once each answer is over; the server's CPU
and RSS, the fakes' CPU and this process's CPU are measured
over the window (``utime + stime``). **N degrades** when a call fails or gets no answer, when the median turn
latency (last speech frame sent → first bot audio frame read) exceeds ``--latency-factor``
times its 1-call value, or when more than ``--gap-limit-pct`` % of the bot audio's
inter-arrival times exceed 100 ms (and twice the 1-call rate). ``calls_held``: the largest
N before the first that degrades. Prints one JSON object (see ``_common.emit``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import _common
from ws_sessions import Server, serve_and_emit

HERE = Path(__file__).resolve().parent
CALLS_DIR = HERE.parent / "calls"
sys.path.insert(0, str(CALLS_DIR))

from load import run_calls  # noqa: E402
from procstat import TICKS_PER_SECOND, cpu_ticks, rss_kib  # noqa: E402 (benchmarks/ws, on the path via ws_sessions)


def cpu_s(pid: int) -> float:
    """CPU seconds of process ``pid`` (``utime + stime``: its ended threads included, which
    the per-thread schedstat sum loses; Pipecat's services start and end threads)."""
    return cpu_ticks(pid) / TICKS_PER_SECOND


def client_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Fakes:
    """``fakes.py`` as a child process; its ports once it listens."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(CALLS_DIR / "fakes.py")],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"calls: the provider fakes did not start (exit code {self.proc.wait()})")
        ports = json.loads(line)
        self.ws_port, self.http_port = int(ports["ws_port"]), int(ports["http_port"])

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def server_command(framework: str, args: argparse.Namespace, fakes: Fakes) -> list[str]:
    ports = ["--ws-port", str(fakes.ws_port), "--http-port", str(fakes.http_port)]
    if framework == "pipecat":
        log = ["--log-level", args.pipecat_log_level]
        return [sys.executable, str(CALLS_DIR / "pipecat_server.py"), "--port", "0", *log, *ports]
    return [str(Path(sys.executable).with_name("rtvi")), "run", str(args.bot_file), "--port", "0"]


async def measure(server: Server, fakes: Fakes, n: int, secs: float) -> dict:
    rss0 = rss_kib(server.pid)
    start, cpu0, fake0, client0 = time.monotonic(), cpu_s(server.pid), cpu_s(fakes.proc.pid), client_cpu_s()
    calls = await run_calls(server.host, server.port, n, secs)
    end, cpu1, fake1, client1 = time.monotonic(), cpu_s(server.pid), cpu_s(fakes.proc.pid), client_cpu_s()
    window = end - start
    return calls | {
        "secs": window,
        "server_cpu_pct": (cpu1 - cpu0) / window * 100,
        "cpu_ms_per_s_per_call": (cpu1 - cpu0) * 1e3 / window / n,
        "rss_kib_per_call": (rss_kib(server.pid) - rss0) / n,
        "fakes_cpu_pct": (fake1 - fake0) / window * 100,
        "client_cpu_pct": (client1 - client0) / window * 100,
    }


def degraded(step: dict, base: dict, args: argparse.Namespace) -> str:
    """Why ``step`` counts as degraded against the 1-call ``base`` ("" when it held)."""
    if step["failed"] or step["calls_without_turn"]:
        return f"{len(step['failed'])} call(s) failed, {step['calls_without_turn']} without an answer"
    if step["turn_ms_p50"] > args.latency_factor * base["turn_ms_p50"]:
        return f"turn p50 {step['turn_ms_p50']:.0f} ms > {args.latency_factor:g} x {base['turn_ms_p50']:.0f} ms"
    limit = max(args.gap_limit_pct / 100, 2 * (base["gap_rate"] or 0))
    if (step["gap_rate"] or 0) > limit:
        return f"gap rate {100 * step['gap_rate']:.2f} % > {100 * limit:.2f} %"
    return ""


async def run(args: argparse.Namespace, server: Server, fakes: Fakes) -> dict:
    await server.wait_listening(args.start_timeout)
    await run_calls(server.host, server.port, 1, args.warmup_secs)
    await asyncio.sleep(args.rest_secs)
    cpu0 = cpu_s(server.pid)
    await asyncio.sleep(5)
    results: dict = {"idle_server": {"rss_kib": rss_kib(server.pid), "cpu_ms_per_s": (cpu_s(server.pid) - cpu0) * 200}}
    base: dict | None = None
    held = 0
    for n in args.calls:
        step = await measure(server, fakes, n, args.secs)
        base = base or step
        step["degraded"] = degraded(step, base, args)
        results[f"n{n}"] = step
        print(f"[calls] {args.framework} N={n}: {json.dumps(step)}", file=sys.stderr, flush=True)
        if step["degraded"]:
            break
        held = n
        await asyncio.sleep(args.rest_secs)  # the last calls' sessions end before the next step
    results["calls_held"] = held
    results["rss_at_end_kib"] = rss_kib(server.pid)
    return results


def counts(text: str) -> list[int]:
    values = [int(x) for x in text.split(",") if x.strip()]
    if not values or values[0] != 1 or values != sorted(values):
        raise argparse.ArgumentTypeError(f"expected increasing comma-separated counts starting at 1, got {text!r}")
    return values


def main() -> None:
    parser = _common.make_parser(__doc__.splitlines()[0])
    parser.add_argument("--calls", type=counts, default="1,5,10,20,40,60,80,100,120,150,200", help="N ladder")
    parser.add_argument("--secs", type=float, default=30.0, help="how long each N's calls last")
    parser.add_argument("--warmup-secs", type=float, default=12.0)
    parser.add_argument("--rest-secs", type=float, default=3.0)
    parser.add_argument("--latency-factor", type=float, default=2.0)
    parser.add_argument("--gap-limit-pct", type=float, default=1.0)
    parser.add_argument("--bot-file", default=str(CALLS_DIR / "calls.toml"), help="rtvi_core bot file")
    parser.add_argument("--pipecat-log-level", default="INFO", help="Pipecat server's loguru level")
    parser.add_argument("--start-timeout", type=float, default=90.0)
    parser.add_argument("--stop-timeout", type=float, default=30.0)
    args = parser.parse_args()

    fakes = Fakes()
    try:
        os.environ["CALLS_WS_PORT"], os.environ["CALLS_HTTP_PORT"] = str(fakes.ws_port), str(fakes.http_port)
        server = Server(server_command(args.framework, args, fakes), CALLS_DIR)
        serve_and_emit(server, "calls", args, lambda s: run(args, s, fakes))
    finally:
        fakes.stop()


if __name__ == "__main__":
    main()
