"""Scenario: a soak of session churn against ``rtvi run`` (rtvi_core only): memory, fds, loop lag.

The server is ``rtvi run benchmarks/ws/soak.toml --port 0`` in its own process: WebSocket
transport with audio in and out, energy VAD, echo LLM, tone TTS, the ``ping`` action.
This process runs ``--clients`` clients (``benchmarks/ws/voice_session.py``), each looping
over rounds of one session each, picked at random (seeded) by ``--mix``:

* ``audio``: client-ready, then two turns of real-time microphone audio (16 kHz, 20 ms
  frames: 0.2 s silence, 0.8 s of tone the energy VAD hears as speech, then silence until
  ``user-stopped-speaking``); closes;
* ``text``: two ``send-text`` turns, each waiting for the bot's audio to end
  (``bot-stopped-speaking``); closes;
* ``action``: 10 ``client-message`` pings, each reply checked; closes;
* ``reset_mid_turn``: a ``send-text``, then a TCP reset once the bot speaks;
* ``reset_before_ready``: a TCP reset right after the WebSocket handshake;
* ``reset_mid_audio``: 0.3 s of speech audio, then a TCP reset.

Phases: the idle server is measured (**start**); clients churn for the warm-up
(``--warmup-secs``), stop, and the server is polled until ``/health`` reports 0 sessions
(**warm**); they churn again for the rest of ``--minutes`` (**load**: ``/health``, RSS and
fds sampled every ``--sample-secs``), stop, and the server is polled to 0 sessions again
(**end**). Each point reports server RSS, open fds (``/proc/PID/fd``), ``/health``'s
sessions and event-loop lag (``loop``: p50/p99/max over its last 60 s, and stalls).

**RSS left per ended session** = (RSS at end - RSS at warm) / sessions of the load phase:
both points idle with 0 sessions, so it is what ended sessions leave behind; plus the
least-squares slope of RSS against sessions ended over the load phase's samples (same
quantity, live sessions held steady by the constant client count).

Prints one JSON object (``_common.emit``).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import _common

WS_DIR = Path(__file__).resolve().parent.parent / "ws"
sys.path.insert(0, str(WS_DIR))

from client import ServerError, http_request  # noqa: E402
from procstat import rss_kib  # noqa: E402
from voice_session import VoiceSession, silence, tone  # noqa: E402
from wire import encode_message, rtvi  # noqa: E402
from ws_sessions import Server, run_against, server_command  # noqa: E402

ROUND_TIMEOUT = 30.0
TURN_TIMEOUT = 10.0
SPEECH = tone(40)  # 0.8 s
LEAD_IN = silence(10)  # 0.2 s


def open_fds(pid: int) -> int:
    """Open file descriptors of ``pid``."""
    return len(os.listdir(f"/proc/{pid}/fd"))


async def health(server: Server) -> dict:
    status, body = await http_request(server.host, server.port, "GET", "/health")
    if status != 200:
        raise ServerError(f"GET /health answered {status}: {body[:200]!r}")
    return json.loads(body)


async def point(server: Server) -> dict:
    """Server RSS, fds, sessions and loop lag now."""
    state = await health(server)
    return {
        "rss_kib": rss_kib(server.pid),
        "fds": open_fds(server.pid),
        "sessions": state["sessions"],
        "loop": state.get("loop"),
    }


async def drained(server: Server, timeout: float = 60.0) -> dict:
    """Poll ``/health`` until it reports 0 sessions; then a :func:`point` (and how long it took)."""
    started = time.perf_counter()
    while (await health(server))["sessions"]:
        if time.perf_counter() - started > timeout:
            raise ServerError(f"sessions still running {timeout:g} s after the clients stopped")
        await asyncio.sleep(0.1)
    waited = time.perf_counter() - started
    await asyncio.sleep(1.0)  # let the last cleanups run before reading RSS
    return {**await point(server), "drain_s": waited}


# --------------------------------------------------------------------------- rounds


class Load:
    """The churn: counts sessions and rounds (done/failed per kind) and their errors."""

    def __init__(self, server: Server, mix: dict[str, float], seed: int) -> None:
        self.server = server
        self.kinds = list(mix)
        self.weights = list(mix.values())
        self.seed = seed
        self.sessions = 0
        self.done: Counter[str] = Counter()
        self.failed: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.rounds: dict[str, Callable[[VoiceSession], Awaitable[None]]] = {
            "audio": self.audio,
            "text": self.text,
            "action": self.action,
            "reset_mid_turn": self.reset_mid_turn,
            "reset_before_ready": self.reset_before_ready,
            "reset_mid_audio": self.reset_mid_audio,
        }

    async def run(self, clients: int, until: float) -> None:
        await asyncio.gather(*(self._client(index, until) for index in range(clients)))

    async def _client(self, index: int, until: float) -> None:
        rng = random.Random(self.seed * 1000 + index)
        loop = asyncio.get_running_loop()
        while loop.time() < until:
            kind = rng.choices(self.kinds, self.weights)[0]
            session = None
            try:
                session = await VoiceSession.connect(self.server.host, self.server.port)
                self.sessions += 1
                await asyncio.wait_for(self.rounds[kind](session), ROUND_TIMEOUT)
                self.done[kind] += 1
            except (TimeoutError, ServerError, OSError) as exc:
                self.failed[kind] += 1
                self.errors[f"{kind}: {type(exc).__name__}: {str(exc)[:120]}"] += 1
                if session is not None:
                    session.reset()

    # Each round gets a connected session (one server session) and ends it.

    async def audio(self, session: VoiceSession) -> None:
        await session.ready()
        for _ in range(2):
            stopped = session.mark("user-stopped-speaking")
            await session.stream(LEAD_IN + SPEECH)
            trailing = asyncio.ensure_future(session.stream(silence(int(TURN_TIMEOUT / 0.02))))
            try:
                await session.wait_for("user-stopped-speaking", stopped, TURN_TIMEOUT)
            finally:
                trailing.cancel()
        await session.close()

    async def text(self, session: VoiceSession) -> None:
        await session.ready()
        for turn in range(2):
            spoken = session.mark("bot-stopped-speaking")
            self._send_text(session, f"soak turn {turn}")
            await session.wait_for("bot-stopped-speaking", spoken, TURN_TIMEOUT)
        await session.close()

    async def action(self, session: VoiceSession) -> None:
        await session.ready()
        for n in range(10):
            reply, _ = await session.request("client-message", {"t": "ping", "d": {"n": n}})
            if reply.get("type") != "server-response" or reply["data"]["d"] != {"pong": {"n": n}}:
                raise ServerError(f"ping answered with {reply!r}")
        await session.close()

    async def reset_mid_turn(self, session: VoiceSession) -> None:
        await session.ready()
        started = session.mark("bot-started-speaking")
        self._send_text(session, "this answer is cut short")
        await session.wait_for("bot-started-speaking", started, TURN_TIMEOUT)
        session.reset()

    async def reset_before_ready(self, session: VoiceSession) -> None:
        session.reset()

    async def reset_mid_audio(self, session: VoiceSession) -> None:
        await session.ready()
        await session.stream(SPEECH[:15])
        session.reset()

    @staticmethod
    def _send_text(session: VoiceSession, content: str) -> None:
        message = rtvi("send-text", f"t{id(session)}", {"content": content, "options": {}})
        session.send_binary(encode_message(message))

    def counts(self) -> dict:
        return {"sessions_opened": self.sessions, "done": dict(self.done), "failed": dict(self.failed)}


# --------------------------------------------------------------------------- phases


async def sample(server: Server, load: Load, every: float, samples: list[dict], t0: float) -> None:
    """Append a :func:`point` (with the load's counts) every ``every`` seconds until cancelled."""
    while True:
        await asyncio.sleep(every)
        samples.append({"t": time.perf_counter() - t0, "ended_or_live": load.sessions, **await point(server)})


def slope(xs: list[float], ys: list[float]) -> float | None:
    """Least-squares slope of ``ys`` against ``xs``."""
    if len(xs) < 3:
        return None
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    var = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / var if var else None


async def run(args: Any, server: Server) -> dict:
    await server.wait_listening(args.start_timeout)
    await asyncio.sleep(1.0)
    loop = asyncio.get_running_loop()
    results: dict[str, Any] = {"start": await point(server), "loadavg_start": os.getloadavg()}
    mix = dict(item.split("=") for item in args.mix.split(","))
    mix = {kind: float(weight) for kind, weight in mix.items()}

    warm = Load(server, mix, args.seed)
    await warm.run(args.clients, loop.time() + args.warmup_secs)
    results["warm"] = {**await drained(server), **warm.counts()}

    load = Load(server, mix, args.seed + 1)
    samples: list[dict] = []
    t0 = time.perf_counter()
    sampler = asyncio.ensure_future(sample(server, load, args.sample_secs, samples, t0))
    await load.run(args.clients, loop.time() + args.minutes * 60 - args.warmup_secs)
    sampler.cancel()
    results["load_end"] = await point(server)  # the loop window covers the last 60 s of load
    results["end"] = {**await drained(server), **load.counts()}
    results["loadavg_end"] = os.getloadavg()
    results["load_secs"] = time.perf_counter() - t0
    results["samples"] = samples
    results["errors"] = dict(load.errors.most_common(20))
    results["warm_errors"] = dict(warm.errors.most_common(10))

    ended = load.sessions
    growth = results["end"]["rss_kib"] - results["warm"]["rss_kib"]
    xs = [s["ended_or_live"] for s in samples]
    ys = [s["rss_kib"] * 1024 for s in samples]
    loop_stats = [s["loop"] for s in samples if s.get("loop")]
    results["summary"] = {
        "sessions_ended": ended,
        "sessions_per_s": ended / results["load_secs"],
        "rounds_done": sum(load.done.values()),
        "rounds_failed": sum(load.failed.values()),
        "rss_growth_kib": growth,
        "rss_bytes_per_ended_session": growth * 1024 / ended if ended else None,
        "rss_slope_bytes_per_session": slope(xs, ys),
        "fds_start_end": [results["start"]["fds"], results["end"]["fds"]],
        "sessions_at_end": results["end"]["sessions"],
        "load_loop_p99_ms_max": max((s["p99_ms"] for s in loop_stats), default=None),
        "load_loop_max_ms": max((s["max_ms"] for s in loop_stats), default=None),
        "load_loop_p50_ms_median": _common.median(s["p50_ms"] for s in loop_stats),
        "stalls": (results["end"]["loop"] or {}).get("stalls"),
    }
    return results


def main() -> None:
    parser = _common.make_parser(__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="whole run, warm-up included")
    parser.add_argument("--warmup-secs", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument(
        "--mix",
        default="audio=3,text=3,action=2,reset_mid_turn=1,reset_before_ready=1,reset_mid_audio=1",
        help="round kinds and their weights",
    )
    parser.add_argument("--sample-secs", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--bot-file", default=str(WS_DIR / "soak.toml"))
    parser.add_argument("--start-timeout", type=float, default=60.0)
    parser.add_argument("--stop-timeout", type=float, default=30.0)
    parser.add_argument("--quick", action="store_true", help="a ~1 minute run: --minutes 1 --warmup-secs 15")
    args = parser.parse_args()
    if args.quick:
        args.minutes, args.warmup_secs = 1.0, 15.0
    if args.framework != "rtvi_core":
        _common.emit("soak", args.framework, {"skipped": "rtvi_core only"})
        return
    server = Server(server_command("rtvi_core", Path(args.bot_file), ""), WS_DIR)
    results, log = run_against(server, "soak", lambda s: run(args, s), args.stop_timeout)
    results["server_warnings"] = [line for line in log.splitlines() if "WARNING" in line or "ERROR" in line][:20]
    _common.emit("soak", args.framework, results, params={k: v for k, v in vars(args).items() if k != "framework"})


if __name__ == "__main__":
    main()
