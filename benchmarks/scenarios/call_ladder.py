"""The call ladder the ``calls`` and ``phone_calls`` scenarios share (standard library only).

For each N of ``--calls`` (in order, until one degrades): N concurrent calls, measured for
``--secs`` from when the last has joined (the callers' ``Window``): the server's CPU (``utime + stime``, ended threads included) and
RSS, other processes' CPU (the provider fakes of ``calls``), this process's CPU. The first
step is the 1-call base the others are judged against. A scenario brings its callers
(``run_calls(host, port, n, secs)`` of its ``load.py``) and its ``degraded(step, base, args)``,
put together from the checks here (:func:`first_of`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path

from ws_sessions import Server

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ws"))
from procstat import TICKS_PER_SECOND, tree_cpu_ticks, tree_rss_kib  # benchmarks/ws

#: ``run_calls(host, port, calls, secs, on_open)``: a step's calls and what they measured once
#: all had joined (``on_open()`` runs then).
RunCalls = Callable[[str, int, int, float, Callable[[], None]], Awaitable[dict]]
#: ``degraded(step, base, args)``: why a step counts as degraded against the 1-call base ("" if it held).
Degraded = Callable[[dict, dict, argparse.Namespace], str]


def cpu_s(pid: int) -> float:
    """CPU seconds of process ``pid`` and its children (``utime + stime``: its ended threads
    included, which the per-thread schedstat sum loses; Pipecat's services start and end
    threads; the children: the workers of ``rtvi run --workers N``)."""
    return tree_cpu_ticks(pid) / TICKS_PER_SECOND


def client_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def counts(text: str) -> list[int]:
    """``--calls``: increasing comma-separated counts starting at 1."""
    values = [int(x) for x in text.split(",") if x.strip()]
    if not values or values[0] != 1 or values != sorted(values):
        raise argparse.ArgumentTypeError(f"expected increasing comma-separated counts starting at 1, got {text!r}")
    return values


def add_ladder_arguments(parser: argparse.ArgumentParser, calls: str) -> None:
    """The ladder's ``--calls`` (default ``calls``), ``--secs``, ``--warmup-secs``, ``--rest-secs``."""
    parser.add_argument("--calls", type=counts, default=calls, help="N ladder")
    parser.add_argument("--secs", type=float, default=30.0, help="how long each N's calls last")
    parser.add_argument("--warmup-secs", type=float, default=12.0)
    parser.add_argument("--rest-secs", type=float, default=3.0)


def add_server_arguments(parser: argparse.ArgumentParser, bot_file: str) -> None:
    """The bot servers' ``--bot-file`` and ``--rtvi-workers`` (rtvi_core), ``--pipecat-log-level``
    and timeouts."""
    parser.add_argument("--bot-file", default=bot_file, help="rtvi_core bot file")
    parser.add_argument("--pipecat-log-level", default="INFO", help="Pipecat server's loguru level")
    parser.add_argument(
        "--rtvi-workers", type=int, default=1, help="rtvi_core server processes (`rtvi run --workers N`)"
    )
    parser.add_argument("--start-timeout", type=float, default=90.0)
    parser.add_argument("--stop-timeout", type=float, default=30.0)


async def measure(server: Server, n: int, secs: float, run_calls: RunCalls, others: Mapping[str, int]) -> dict:
    """``n`` calls, measured for ``secs`` once all have joined: what the callers measured, the
    CPU per call, the RSS per call (against the server before the step) and the CPU of
    ``others`` (name → pid) as ``{name}_cpu_pct``."""
    rss0 = tree_rss_kib(server.pid)
    opened: list[tuple[float, float, dict[str, float], float]] = []

    def on_open() -> None:
        opened.append(
            (
                time.monotonic(),
                cpu_s(server.pid),
                {name: cpu_s(pid) for name, pid in others.items()},
                client_cpu_s(),
            )
        )

    calls = await run_calls(server.host, server.port, n, secs, on_open)
    ((start, cpu0, others0, client0),) = opened
    end, cpu1, others1, client1 = (
        time.monotonic(),
        cpu_s(server.pid),
        {name: cpu_s(pid) for name, pid in others.items()},
        client_cpu_s(),
    )
    window = end - start
    return calls | {
        "secs": window,
        "server_cpu_pct": (cpu1 - cpu0) / window * 100,
        "cpu_ms_per_s_per_call": (cpu1 - cpu0) * 1e3 / window / n,
        "rss_kib_per_call": (tree_rss_kib(server.pid) - rss0) / n,
        **{f"{name}_cpu_pct": (others1[name] - others0[name]) / window * 100 for name in others},
        "client_cpu_pct": (client1 - client0) / window * 100,
    }


def failed_calls(step: dict, base: dict, args: argparse.Namespace) -> str:
    """A call failed or got no answer."""
    if step["failed"] or step["calls_without_turn"]:
        return f"{len(step['failed'])} call(s) failed, {step['calls_without_turn']} without an answer"
    return ""


def slow_turns(step: dict, base: dict, args: argparse.Namespace) -> str:
    """The median turn latency is over ``--latency-factor`` times the 1-call one."""
    if step["turn_ms_p50"] > args.latency_factor * base["turn_ms_p50"]:
        return f"turn p50 {step['turn_ms_p50']:.0f} ms > {args.latency_factor:g} x {base['turn_ms_p50']:.0f} ms"
    return ""


def gappy_audio(step: dict, base: dict, args: argparse.Namespace) -> str:
    """More than ``--gap-limit-pct`` % of the answers' audio comes after a break (and twice the 1-call rate)."""
    limit = max(args.gap_limit_pct / 100, 2 * (base["gap_rate"] or 0))
    if (step["gap_rate"] or 0) > limit:
        return f"gap rate {100 * step['gap_rate']:.2f} % > {100 * limit:.2f} %"
    return ""


def first_of(*checks: Degraded) -> Degraded:
    """A ``degraded`` giving the first reason of ``checks``, in order."""

    def degraded(step: dict, base: dict, args: argparse.Namespace) -> str:
        return next((reason for check in checks if (reason := check(step, base, args))), "")

    return degraded


async def climb(
    name: str,
    args: argparse.Namespace,
    server: Server,
    run_calls: RunCalls,
    degraded: Degraded,
    others: Mapping[str, int] | None = None,
) -> dict:
    """The scenario ``name``'s ladder on ``server``: a warm-up call, the idle server, then each N of
    ``args.calls`` until one degrades; ``calls_held`` is the largest N before it."""
    others = others or {}
    await server.wait_listening(args.start_timeout)
    await run_calls(server.host, server.port, 1, args.warmup_secs)
    await asyncio.sleep(args.rest_secs)
    cpu0 = cpu_s(server.pid)
    await asyncio.sleep(5)
    results: dict = {
        "idle_server": {"rss_kib": tree_rss_kib(server.pid), "cpu_ms_per_s": (cpu_s(server.pid) - cpu0) * 200}
    }
    base: dict | None = None
    held = 0
    for n in args.calls:
        step = await measure(server, n, args.secs, run_calls, others)
        base = base or step
        step["degraded"] = degraded(step, base, args)
        results[f"n{n}"] = step
        print(f"[{name}] {args.framework} N={n}: {json.dumps(step)}", file=sys.stderr, flush=True)
        if step["degraded"]:
            break
        held = n
        await asyncio.sleep(args.rest_secs)  # the last calls' sessions end before the next step
    results["calls_held"] = held
    results["rss_at_end_kib"] = tree_rss_kib(server.pid)
    return results
