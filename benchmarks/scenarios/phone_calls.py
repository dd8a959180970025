"""Scenario: concurrent phone calls over Twilio Media Streams, one bot server per framework.

Issue 19's phone-calls-per-machine comparison. Two processes besides this one, on loopback:

* the bot server: Pipecat 1.14 (``benchmarks/phone/pipecat_server.py``: its
  ``TwilioFrameSerializer`` with ``auto_hang_up=False`` on the FastAPI WebSocket transport,
  served as its runner serves a Twilio bot) or ``python benchmarks/phone/rtvi_server.py
  benchmarks/phone/phone.toml`` (rtvi-telephony's ``twilio`` transport); both with the
  energy VAD, the echo LLM, the tone TTS and the shared stand-in STT (``heard.py``), so
  that the G.711 codec, the resampling (8 kHz ↔ 16/24 kHz) and the real-time pacing are
  what is measured, not a model;
* this process, the callers (``benchmarks/phone/load.py``): Twilio's side of each Media
  Stream, a 20 ms μ-law packet per call all call long, a spoken question and silence.

For each N of ``--calls`` (in order, until one degrades): N calls for ``--secs``, asking the
question again once each answer is over; the server's CPU and RSS and this process's CPU
are measured over the window (``utime + stime``). **N degrades** when a call fails or gets
no answer, when the answers' outbound audio falls behind real time (``lag_ms_p90`` over
``--lag-limit-ms``: a packet arrived that much later than the audio before it had played),
when more than ``--gap-limit-pct`` % of the answers' packets come after a break of more
than 100 ms in the caller's playout (and twice the 1-call rate), or when the median turn
latency exceeds ``--latency-factor`` times its 1-call value. ``calls_held``: the largest N
before the first that degrades. Prints one JSON object (see ``_common.emit``).
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
PHONE_DIR = HERE.parent / "phone"
sys.path.insert(0, str(PHONE_DIR))

from load import run_calls  # noqa: E402
from procstat import TICKS_PER_SECOND, cpu_ticks, rss_kib  # noqa: E402 (benchmarks/ws, on the path via ws_sessions)


def cpu_s(pid: int) -> float:
    """CPU seconds of process ``pid`` (``utime + stime``, ended threads included)."""
    return cpu_ticks(pid) / TICKS_PER_SECOND


def client_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def server_command(framework: str, args: argparse.Namespace) -> list[str]:
    if framework == "pipecat":
        log = ["--log-level", args.pipecat_log_level]
        return [sys.executable, str(PHONE_DIR / "pipecat_server.py"), "--port", "0", *log]
    return [sys.executable, str(PHONE_DIR / "rtvi_server.py"), str(args.bot_file), "--port", "0"]


async def measure(server: Server, n: int, secs: float) -> dict:
    rss0 = rss_kib(server.pid)
    start, cpu0, client0 = time.monotonic(), cpu_s(server.pid), client_cpu_s()
    calls = await run_calls(server.host, server.port, n, secs)
    end, cpu1, client1 = time.monotonic(), cpu_s(server.pid), client_cpu_s()
    window = end - start
    return calls | {
        "secs": window,
        "server_cpu_pct": (cpu1 - cpu0) / window * 100,
        "cpu_ms_per_s_per_call": (cpu1 - cpu0) * 1e3 / window / n,
        "rss_kib_per_call": (rss_kib(server.pid) - rss0) / n,
        "client_cpu_pct": (client1 - client0) / window * 100,
    }


def degraded(step: dict, base: dict, args: argparse.Namespace) -> str:
    """Why ``step`` counts as degraded against the 1-call ``base`` ("" when it held)."""
    if step["failed"] or step["calls_without_turn"]:
        return f"{len(step['failed'])} call(s) failed, {step['calls_without_turn']} without an answer"
    if (step["lag_ms_p90"] or 0) > args.lag_limit_ms:
        return f"outbound audio behind real time: lag p90 {step['lag_ms_p90']:.0f} ms > {args.lag_limit_ms:g} ms"
    limit = max(args.gap_limit_pct / 100, 2 * (base["gap_rate"] or 0))
    if (step["gap_rate"] or 0) > limit:
        return f"gap rate {100 * step['gap_rate']:.2f} % > {100 * limit:.2f} %"
    if step["turn_ms_p50"] > args.latency_factor * base["turn_ms_p50"]:
        return f"turn p50 {step['turn_ms_p50']:.0f} ms > {args.latency_factor:g} x {base['turn_ms_p50']:.0f} ms"
    return ""


async def run(args: argparse.Namespace, server: Server) -> dict:
    await server.wait_listening(args.start_timeout)
    await run_calls(server.host, server.port, 1, args.warmup_secs)
    await asyncio.sleep(args.rest_secs)
    cpu0 = cpu_s(server.pid)
    await asyncio.sleep(5)
    results: dict = {"idle_server": {"rss_kib": rss_kib(server.pid), "cpu_ms_per_s": (cpu_s(server.pid) - cpu0) * 200}}
    base: dict | None = None
    held = 0
    for n in args.calls:
        step = await measure(server, n, args.secs)
        base = base or step
        step["degraded"] = degraded(step, base, args)
        results[f"n{n}"] = step
        print(f"[phone_calls] {args.framework} N={n}: {json.dumps(step)}", file=sys.stderr, flush=True)
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
    parser.add_argument("--calls", type=counts, default="1,10,20,40,60,80,100,150,200,250,300,400", help="N ladder")
    parser.add_argument("--secs", type=float, default=30.0, help="how long each N's calls last")
    parser.add_argument("--warmup-secs", type=float, default=12.0)
    parser.add_argument("--rest-secs", type=float, default=3.0)
    parser.add_argument("--lag-limit-ms", type=float, default=100.0, help="answer lag p90 that degrades")
    parser.add_argument("--gap-limit-pct", type=float, default=1.0)
    parser.add_argument("--latency-factor", type=float, default=2.0)
    parser.add_argument("--bot-file", default=str(PHONE_DIR / "phone.toml"), help="rtvi_core bot file")
    parser.add_argument("--pipecat-log-level", default="INFO", help="Pipecat server's loguru level")
    parser.add_argument("--start-timeout", type=float, default=90.0)
    parser.add_argument("--stop-timeout", type=float, default=30.0)
    args = parser.parse_args()
    server = Server(server_command(args.framework, args), PHONE_DIR)
    serve_and_emit(server, "phone_calls", args, lambda s: run(args, s))


if __name__ == "__main__":
    main()
