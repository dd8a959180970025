"""Scenario: does one hostile client stall the others? A bystander's round trips during each attack.

rtvi_core only. For each attack of issue 17 (``tests/hostile/`` covers them) a fresh
``rtvi run benchmarks/ws/soak.toml --port 0`` is started (for ``hung_start``: the same
bot with the ``hang-once`` TTS of ``tests/hostile/faulty_providers.py``, whose first
session never finishes starting). A warm-up session runs, then a **bystander** session
sends ``client-message`` pings one after the other for the whole run while an
**attacker** session (``benchmarks/ws/voice_session.py``) sends:

* ``baseline``: nothing (the bystander alone, for comparison);
* ``audio_1hz``: 5 protobuf audio frames of 6,400 bytes at ``sample_rate: 1``;
* ``audio_many_rates``: 200 audio frames of 20 ms, each at another sample rate;
* ``send_text_one_word``: a ``send-text`` of one 16,384-letter word (the tone TTS speaks it);
* ``deep_json``: 5 ``client-message`` with ``data.d`` nested 300,000 arrays deep (~600 KB);
* ``audio_1mib``: 5 audio frames of 1 MiB at 16 kHz (33 s of audio each);
* ``type_array``: 20 messages whose ``type`` is an array (``[1]``);
* ``hung_start``: ``client-ready`` to a session whose TTS never starts; waits for its end.

The attacker then sends a ping and waits for its answer (or for the server to close
it): the server has handled everything by then. Reported per attack: the bystander's
round trips during the attack window (from the first attack byte to 2 s after the
attacker is done): count, p50, p99, max; the server's ``/health`` loop lag at the end
(``max_ms`` covers the last 60 s: warm-up included; ``stalls`` counted during the
attack) when the server has a loop monitor; how the attacker ended (answered, error
messages, close code); and whether the server still serves (a fresh session's ping)
with 0 sessions left. Prints one JSON object.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import _common

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
WS_DIR = HERE.parent / "ws"
sys.path.insert(0, str(WS_DIR))

from client import ServerError  # noqa: E402
from soak import health  # noqa: E402
from voice_session import FRAME_SAMPLES, VoiceSession, tone  # noqa: E402
from wire import encode_json, encode_message  # noqa: E402
from ws_sessions import Server, server_command  # noqa: E402

FAULTY = ROOT / "tests" / "hostile" / "run_with_faulty_providers.py"
MAX_TEXT_CHARS = 16_384
ATTACK_TIMEOUT = 60.0
PING_EVERY = 0.01
TAIL = 2.0  # the window goes on this long after the attacker's answer
HUNG_TIMEOUT = 30.0  # the start deadline (start_timeout_secs) is 10 s


def raw_message(type_: Any, data: Any = None, msg_id: str = "attack") -> bytes:
    """An RTVI envelope as a protobuf frame, whatever the field types."""
    message: dict[str, Any] = {"label": "rtvi-ai", "type": type_, "id": msg_id}
    if data is not None:
        message["data"] = data
    return encode_message(message)


def deep_ping(depth: int) -> bytes:
    """A ``client-message`` ping whose ``d`` is ``depth`` nested arrays (built as text)."""
    return encode_json(
        b'{"label":"rtvi-ai","type":"client-message","id":"deep","data":{"t":"ping","d":'
        + b"[" * depth
        + b"]" * depth
        + b"}}"
    )


# --------------------------------------------------------------------------- attacks


async def audio_1hz(s: VoiceSession) -> None:
    for _ in range(5):
        s.send_audio(bytes(6400), sample_rate=1)


async def audio_many_rates(s: VoiceSession) -> None:
    pcm = tone(1)[0]
    for k in range(200):
        s.send_audio(pcm, sample_rate=8000 + 173 * k)
        await asyncio.sleep(0.005)


async def send_text_one_word(s: VoiceSession) -> None:
    started = s.mark("bot-stopped-speaking")
    s.send_binary(raw_message("send-text", {"content": "a" * MAX_TEXT_CHARS, "options": {}}))
    try:
        await s.wait_for("bot-stopped-speaking", started, ATTACK_TIMEOUT)
    except ServerError:
        pass  # an error-response instead: the attacker's ping below tells


async def deep_json(s: VoiceSession) -> None:
    payload = deep_ping(300_000)
    for _ in range(5):
        s.send_binary(payload)


async def audio_1mib(s: VoiceSession) -> None:
    pcm = bytes(1024 * 1024 - 1024 * 1024 % (FRAME_SAMPLES * 2))
    for _ in range(5):
        s.send_audio(pcm)


async def type_array(s: VoiceSession) -> None:
    for _ in range(20):
        s.send_binary(raw_message([1]))


ATTACKS: dict[str, Callable[[VoiceSession], Awaitable[None]] | None] = {
    "baseline": None,
    "audio_1hz": audio_1hz,
    "audio_many_rates": audio_many_rates,
    "send_text_one_word": send_text_one_word,
    "deep_json": deep_json,
    "audio_1mib": audio_1mib,
    "type_array": type_array,
    "hung_start": None,  # the server's TTS does it; the attacker only sends client-ready
}


# --------------------------------------------------------------------------- bystander


class Bystander:
    """Pings one after the other, at most every :data:`PING_EVERY` s (under the server's
    200 messages/s rate limit); keeps (sent at, round trip s) of each, and the bad replies."""

    def __init__(self, session: VoiceSession) -> None:
        self.session = session
        self.rtts: list[tuple[float, float]] = []
        self.bad = 0
        self.waiting_since: float | None = None  # the ping in flight

    async def run(self) -> None:
        n = 0
        while True:
            n += 1
            sent = self.waiting_since = time.perf_counter()
            reply, rtt_ns = await self.session.request("client-message", {"t": "ping", "d": {"n": n}})
            self.waiting_since = None
            if reply.get("type") != "server-response" or reply["data"]["d"] != {"pong": {"n": n}}:
                self.bad += 1
            self.rtts.append((sent, rtt_ns / 1e9))
            await asyncio.sleep(sent + PING_EVERY - time.perf_counter())

    def between(self, start: float, end: float) -> list[float]:
        """Round trips (ms) of the pings in flight at some time in [start, end), the one still
        in flight at ``end`` counted as long as it has waited so far."""
        rtts = [rtt * 1e3 for sent, rtt in self.rtts if sent < end and sent + rtt > start]
        if self.waiting_since is not None:
            rtts.append((end - self.waiting_since) * 1e3)
        return rtts


async def attack_outcome(attacker: VoiceSession, name: str) -> dict:
    """Run the attack, then a ping; how the attacker ended."""
    outcome: dict[str, Any] = {}
    attack = ATTACKS[name]
    try:
        if name == "hung_start":
            await attacker.ready(timeout=HUNG_TIMEOUT)
            outcome["answered"] = "bot-ready"
        else:
            if attack is not None:
                await attack(attacker)
            ping = asyncio.ensure_future(attacker.request("client-message", {"t": "ping", "d": "after"}))
            await asyncio.wait([ping, attacker.closed], timeout=ATTACK_TIMEOUT, return_when=asyncio.FIRST_COMPLETED)
            if not ping.done():
                ping.cancel()
                raise ServerError("closed by the server" if attacker.closed.done() else "no answer")
            outcome["answered"] = ping.result()[0].get("type")
    except (TimeoutError, ServerError) as exc:
        outcome["answered"] = f"{type(exc).__name__}: {str(exc)[:160]}"
    outcome["errors"] = attacker.other_messages.get("error", 0)
    outcome["close"] = attacker.close_reason or None
    return outcome


async def one_attack(name: str, cmd: list[str], settle: float) -> dict:
    server = Server(cmd, WS_DIR)
    try:
        await server.wait_listening(60.0)
        if name == "hung_start":  # the first session built gets the TTS that never starts
            attacker = await VoiceSession.connect(server.host, server.port)
            hung = asyncio.ensure_future(attack_outcome(attacker, name))
        warm = await VoiceSession.connect(server.host, server.port)
        await warm.ready()
        for rate in (8000, 16000, 48000):  # the first resampling loads soxr: not the attack's cost
            warm.send_audio(bytes(rate // 50 * 2), sample_rate=rate)
        await warm.request("client-message", {"t": "ping", "d": 0})
        await warm.close()
        if name != "hung_start":
            attacker = await VoiceSession.connect(server.host, server.port)
            await attacker.ready()
        bystander_session = await VoiceSession.connect(server.host, server.port)
        await bystander_session.ready()
        bystander = Bystander(bystander_session)
        pinging = asyncio.ensure_future(bystander.run())
        await asyncio.sleep(settle)
        before = await loop_state(server)
        start = time.perf_counter()
        outcome = await (hung if name == "hung_start" else attack_outcome(attacker, name))
        done = time.perf_counter()
        await asyncio.sleep(TAIL)
        end = time.perf_counter()
        after = await loop_state(server)
        pinging.cancel()
        rtts = bystander.between(start, end)
        attacker.reset()
        await bystander_session.close()
        fresh = await VoiceSession.connect(server.host, server.port)
        await fresh.ready()
        reply, _ = await fresh.request("client-message", {"t": "ping", "d": "fresh"})
        await fresh.close()
        left = await sessions_left(server)
        stats = _common.summarize(rtts)
        result = {
            "attack_s": done - start,
            "bystander_pings": stats.get("n", 0),
            "rtt_p50_ms": stats.get("p50"),
            "rtt_p99_ms": stats.get("p99"),
            "rtt_max_ms": stats.get("max"),
            "bystander_bad_replies": bystander.bad,
            "attacker": outcome,
            "fresh_session_answered": reply.get("type") == "server-response",
            "sessions_left": left,
        }
        if after is not None and before is not None:
            result.update(
                loop_max_ms=after["max_ms"],
                loop_p99_ms=after["p99_ms"],
                stalls_during=after["stalls"] - before["stalls"],
                last_stall=after.get("last_stall"),
            )
        return result
    except Exception as exc:
        sys.stderr.write(f"--- {name}: server log tail ---\n{server.log_tail()}\n")
        return {"failed": f"{type(exc).__name__}: {exc}"}
    finally:
        server.stop(10.0)
        server.cleanup()


async def loop_state(server: Server) -> dict | None:
    """``/health``'s ``loop``, or None when the server has no loop monitor (older code)."""
    return (await health(server)).get("loop")


async def sessions_left(server: Server, timeout: float = 20.0) -> int:
    """Sessions still running once they had ``timeout`` seconds to end."""
    deadline = time.perf_counter() + timeout
    while True:
        count = (await health(server))["sessions"]
        if count == 0 or time.perf_counter() > deadline:
            return count
        await asyncio.sleep(0.1)


def hang_bot(bot_file: Path) -> Path:
    """The bot file with the ``hang-once`` TTS (its first session never starts), beside it
    (its ``local_actions`` are found there); the caller removes it."""
    text = bot_file.read_text().replace('[tts]\nuse = "tone"', '[tts]\nuse = "hang-once"')
    fd, name = tempfile.mkstemp(prefix=".stall-hang-", suffix=".toml", dir=bot_file.parent)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    return Path(name)


async def run(args: Any) -> dict:
    bot_file = Path(args.bot_file)
    names = [n for n in args.attacks.split(",") if n]
    results: dict[str, Any] = {"loadavg_start": os.getloadavg(), "attacks": {}}
    for name in names:
        hung_bot = hang_bot(bot_file) if name == "hung_start" else None
        try:
            if hung_bot is not None:
                cmd = [sys.executable, str(FAULTY), "run", str(hung_bot), "--port", "0"]
            else:
                cmd = server_command("rtvi_core", bot_file, "")
            print(f"[stall] {name} ...", file=sys.stderr, flush=True)
            results["attacks"][name] = await one_attack(name, cmd, args.settle)
        finally:
            if hung_bot is not None:
                hung_bot.unlink()
        print(f"[stall] {name}: {json.dumps(results['attacks'][name])[:300]}", file=sys.stderr, flush=True)
    results["loadavg_end"] = os.getloadavg()
    return results


def main() -> None:
    parser = _common.make_parser(__doc__.splitlines()[0])
    parser.add_argument("--attacks", default=",".join(ATTACKS), help="comma-separated, from: " + ", ".join(ATTACKS))
    parser.add_argument("--settle", type=float, default=2.0, help="bystander pings before the attack (s)")
    parser.add_argument("--bot-file", default=str(WS_DIR / "soak.toml"))
    parser.add_argument("--quick", action="store_true", help="the baseline and three attacks, 1 s settle")
    args = parser.parse_args()
    if args.quick:
        args.attacks, args.settle = "baseline,audio_1hz,deep_json,type_array", 1.0
    if args.framework != "rtvi_core":
        _common.emit("stall", args.framework, {"skipped": "rtvi_core only"})
        return
    results = asyncio.run(run(args))
    _common.emit("stall", args.framework, results, params={k: v for k, v in vars(args).items() if k != "framework"})


if __name__ == "__main__":
    main()
