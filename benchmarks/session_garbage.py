"""What an ended session leaves for the cyclic garbage collector (rtvi_core only).

    .venv/bin/python benchmarks/session_garbage.py [--sessions 200] [--top 15]

The soak bot (``benchmarks/ws/soak.toml``) is served in this process on a loopback port
(``rtvi_core.server.testing.loopback_server``), and the soak's rounds
(``benchmarks/scenarios/soak.py``) are run against it over real sockets. After a warm-up,
the cyclic GC is disabled (``gc.disable()``), ``--sessions`` rounds are run, 6 at a time
(the round kinds in turn: send-text turns, audio turns, pings, resets), the server
is polled until it has no session left, and ``gc.collect()`` (with ``DEBUG_SAVEALL``)
counts what only the cyclic GC could free: objects per ended session, in all and of
rtvi_core's and rtvi_websocket's own types, their ``sys.getsizeof`` bytes, and how many
session roots (``PipelineTask``, ``BotSession``, ``Session``, ``Connection``) are among
them. Without reference cycles a session's objects are freed by reference counting when
it ends, and the counts are 0; the client's own objects (this process) are counted apart.

Prints one JSON object; ``--top`` adds the most frequent garbage types.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE / "ws"), str(HERE / "scenarios")]

from soak import Load  # noqa: E402
from voice_session import VoiceSession  # noqa: E402

SERVER_MODULES = ("rtvi_core", "rtvi_websocket")
ROOTS = ("PipelineTask", "BotSession", "Session", "Connection")
KINDS = ("text", "audio", "action", "reset_mid_turn", "reset_before_ready", "reset_mid_audio")


def owner(obj: object) -> str:
    """``server`` for objects of rtvi_core/rtvi_websocket types, ``client`` for the benchmark's, else ``other``."""
    module = type(obj).__module__ or ""
    if module.startswith(SERVER_MODULES):
        return "server"
    if module in ("voice_session", "client", "soak"):
        return "client"
    return "other"


async def run_rounds(server: object, kinds: list[str], concurrent: int = 6) -> None:
    """One session per kind in ``kinds``, ``concurrent`` at a time; then wait for the server to have none."""
    load = Load(server, {}, 0)  # type: ignore[arg-type]

    async def one(kind: str) -> None:
        session = await VoiceSession.connect(server.host, server.port)  # type: ignore[attr-defined]
        await asyncio.wait_for(load.rounds[kind](session), 30)

    for start in range(0, len(kinds), concurrent):
        await asyncio.gather(*(one(kind) for kind in kinds[start : start + concurrent]))
    while server.session_count:  # type: ignore[attr-defined]
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)  # the last session's cleanup


async def measure(bot_file: Path, sessions: int, top: int) -> dict:
    from rtvi_core.config.loader import load_bot_file
    from rtvi_core.server.testing import loopback_server
    from rtvi_core.serving import SessionFactory

    config = load_bot_file(bot_file)
    kinds = [KINDS[i % len(KINDS)] for i in range(sessions)]
    async with loopback_server(SessionFactory(config)) as server:
        await run_rounds(server, list(KINDS) * 2)  # warm-up: imports, caches
        gc.collect()
        gc.disable()
        try:
            await run_rounds(server, kinds)
            gc.set_debug(gc.DEBUG_SAVEALL)
            unreachable = gc.collect()
            garbage = list(gc.garbage)
            gc.garbage.clear()
        finally:
            gc.set_debug(0)
            gc.enable()
    by_owner = Counter(owner(obj) for obj in garbage)
    server_objs = [obj for obj in garbage if owner(obj) == "server"]
    roots = Counter(type(obj).__name__ for obj in server_objs if type(obj).__name__ in ROOTS)
    types = Counter(f"{type(obj).__module__}.{type(obj).__qualname__}" for obj in garbage)
    result = {
        "sessions": sessions,
        "unreachable_objects": unreachable,
        "objects_per_session": unreachable / sessions,
        "server_type_objects_per_session": by_owner["server"] / sessions,
        "client_type_objects_per_session": by_owner["client"] / sessions,
        "bytes_per_session": sum(sys.getsizeof(obj) for obj in garbage) / sessions,
        "roots_per_session": {name: roots[name] / sessions for name in ROOTS},
        "loadavg": os.getloadavg(),
    }
    if top:
        result["top_types"] = dict(types.most_common(top))
    del garbage, server_objs
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=120)
    parser.add_argument("--top", type=int, default=0, help="also list the most frequent garbage types")
    parser.add_argument("--bot-file", default=str(HERE / "ws" / "soak.toml"))
    args = parser.parse_args()
    os.chdir(HERE / "ws")  # the bot file's local_actions
    print(json.dumps(asyncio.run(measure(Path(args.bot_file), args.sessions, args.top))))


if __name__ == "__main__":
    main()
