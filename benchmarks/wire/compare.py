"""Side by side on the wire: the RTVI messages Pipecat 1.14 and rtvi_core send for the same client.

Starts ``bot.py`` once per framework (each in its own venv), plays the same client
script against each over a real WebSocket on 127.0.0.1 — per client protocol version
(``--versions``, default 1.2.0, 2.1.0 and 2.2.0) one session of::

    client-ready -> client-message ping -> an unknown type -> client-ready "junk"
      -> dtmf -> send-text without running -> send-text "hello there"
      -> send-text "what's the weather?" (a tool call) -> disconnect-bot

— records every RTVI message each server sends, step by step, and prints the two
sequences and their differences. Values that differ by nature (timestamps, frame ids
used as segment ids) are normalised first. A difference must be one the conformance
table documents (``docs/rtvi-conformance.md``; see :mod:`differences`): the script exits
with status 1 when an undocumented difference appears, 2 when a server cannot be run.

    bash benchmarks/setup.sh                  # once: the two venvs
    python3 benchmarks/wire/compare.py        # any python3: standard library only

``--pipecat-python`` / ``--rtvi-python`` choose other interpreters than
``benchmarks/.venv-pipecat`` / ``benchmarks/.venv-rtvi``; ``--json FILE`` writes both
recordings.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
BENCH = HERE.parent
sys.path[:0] = [str(BENCH / "ws"), str(BENCH / "scenarios")]

from client import RTVISession, ServerError  # noqa: E402
from differences import DOC, KNOWN, undocumented  # noqa: E402
from wire import decode_message, encode_message, rtvi  # noqa: E402
from ws_sessions import Server  # noqa: E402

FRAMEWORKS = ("pipecat", "rtvi_core")
ABOUT = {"library": "wire-parity", "library_version": "0"}
#: After what a step waits for has come, the step ends once the server is quiet this long.
QUIET_SECS = 0.8
STEP_TIMEOUT_SECS = 15.0

Message = dict[str, Any]
Until = Callable[[list[Message]], bool]


# --------------------------------------------------------------------------- the client


class Recorder(RTVISession):
    """An RTVI session that records every message it receives, in order."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.messages: list[Message] = []
        self._arrived = asyncio.Event()

    def _on_message(self, frame: bytes, received: int) -> None:
        message = decode_message(frame)
        if message is None:
            self.non_message_frames += 1
            return
        self.messages.append(message)
        self._arrived.set()

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        self._arrived.set()

    def send(self, type_: str, msg_id: str, data: Any = None) -> None:
        self.send_binary(encode_message(rtvi(type_, msg_id, data)))

    async def step(self, until: Until) -> list[Message]:
        """The messages from now until ``until(messages)`` holds and the server is quiet."""
        start = len(self.messages)
        deadline = time.monotonic() + STEP_TIMEOUT_SECS
        done = False
        while time.monotonic() < deadline:
            self._arrived.clear()
            done = done or until(self.messages[start:]) or self.closed.done()
            wait = QUIET_SECS if done else deadline - time.monotonic()
            try:
                await asyncio.wait_for(self._arrived.wait(), max(wait, 0.01))
            except TimeoutError:
                if done:
                    break
            if self.closed.done() and done:
                break
        return self.messages[start:]


def has(msg_type: str, msg_id: str | None = None, count: int = 1) -> Until:
    def until(messages: list[Message]) -> bool:
        found = [m for m in messages if m.get("type") == msg_type and (msg_id is None or m.get("id") == msg_id)]
        return len(found) >= count

    return until


def both(*conditions: Until) -> Until:
    return lambda messages: all(condition(messages) for condition in conditions)


def quiet(messages: list[Message]) -> bool:
    return True


#: (step name, message type, id, data, until) — the client script of one session.
def steps(version: str) -> list[tuple[str, str, str, Any, Until]]:
    return [
        ("client-ready", "client-ready", "ready-1", {"version": version, "about": ABOUT}, has("bot-ready", "ready-1")),
        ("client-message", "client-message", "ping-1", {"t": "ping", "d": {"n": 1}}, has("server-response", "ping-1")),
        ("unknown type", "foo", "foo-1", {}, has("error-response", "foo-1")),
        (
            "client-ready (bad version)",
            "client-ready",
            "ready-2",
            {"version": "junk", "about": ABOUT},
            has("bot-ready", "ready-2"),
        ),
        ("dtmf", "dtmf", "dtmf-1", {"buttons": ["1", "#"]}, quiet),
        (
            "send-text (no run)",
            "send-text",
            "text-0",
            {"content": "remember", "options": {"run_immediately": False}},
            quiet,
        ),
        ("send-text", "send-text", "text-1", {"content": "hello there", "options": {}}, has("bot-stopped-speaking")),
        (
            "send-text (tool call)",
            "send-text",
            "text-2",
            {"content": "what's the weather?", "options": {}},
            both(has("llm-function-call-stopped"), has("bot-stopped-speaking")),
        ),
        ("disconnect-bot", "disconnect-bot", "bye-1", {}, lambda messages: False),  # until closed
    ]


async def record_session(port: int, version: str) -> dict[str, list[Message]]:
    """One session of the client script; the messages received at each step."""
    session = await Recorder.connect("127.0.0.1", port, "/ws")
    recorded: dict[str, list[Message]] = {}
    try:
        for name, msg_type, msg_id, data, until in steps(version):
            session.send(msg_type, msg_id, data)
            recorded[name] = await session.step(until)
        # How the server ended the connection after disconnect-bot (its close code).
        code = session.close_reason.split(" ", 1)[0] if session.closed.done() else "still open"
        recorded[name].append({"type": "(websocket closed)", "data": {"code": code}})
    finally:
        await session.close(timeout=5.0)
    return recorded


# --------------------------------------------------------------------------- normalising


def normalise(session: dict[str, list[Message]]) -> dict[str, list[Message]]:
    """Values that differ by nature: timestamps, and frame ids used as segment ids (renumbered)."""
    segments: dict[Any, str] = {}
    out: dict[str, list[Message]] = {}
    for step, messages in session.items():
        out[step] = []
        for message in messages:
            message = json.loads(json.dumps(message))
            data = message.get("data")
            if isinstance(data, dict):
                if "timestamp" in data:
                    data["timestamp"] = "<timestamp>"
                if "segment_id" in data:
                    data["segment_id"] = segments.setdefault(data["segment_id"], f"<segment {len(segments) + 1}>")
            out[step].append(message)
    return out


# --------------------------------------------------------------------------- running


def server_command(framework: str, python: str) -> list[str]:
    return [python, str(HERE / "bot.py"), "--framework", framework, "--port", "0"]


async def record(framework: str, python: str, versions: list[str]) -> dict[str, dict[str, list[Message]]]:
    server = Server(server_command(framework, python), HERE)
    try:
        await server.wait_listening(60.0)
        return {version: normalise(await record_session(server.port, version)) for version in versions}
    finally:
        server.stop(10.0)
        server.cleanup()


def show(message: Message) -> str:
    return json.dumps({k: v for k, v in message.items() if k != "label"}, separators=(",", ":"))


def print_sequences(recordings: dict[str, Any], version: str) -> None:
    for framework in FRAMEWORKS:
        print(f"\n--- {framework}, client {version}")
        for step, messages in recordings[framework][version].items():
            print(f"  [{step}]")
            for message in messages:
                print(f"    {show(message)}")


def compare(recordings: dict[str, Any], versions: list[str]) -> int:
    """Print the differences per step; 1 if one of them is not documented."""
    seen: set[str] = set()
    unexplained = 0
    print("\n=== differences (pipecat -> rtvi_core)")
    for version in versions:
        theirs, ours = recordings["pipecat"][version], recordings["rtvi_core"][version]
        for step in theirs:
            result = undocumented(theirs[step], ours.get(step, []))
            seen.update(result.explained)
            for line in result.diff:
                print(f"  {version} [{step}] {line}")
            if result.remaining:
                unexplained += 1
                print(f"  {version} [{step}] NOT DOCUMENTED:")
                for line in result.remaining:
                    print(f"      {line}")
    print("\n=== documented differences seen in this run")
    for key in sorted(seen):
        print(f"  {key}: {KNOWN[key].summary}")
    doc = DOC.read_text() if DOC.exists() else ""
    missing = [key for key in KNOWN if f"**`{key}`**" not in doc]
    if missing:
        print(f"\n!!! not in {DOC.name}: {', '.join(missing)}")
        return 1
    if unexplained:
        print(f"\n!!! {unexplained} step(s) differ in ways docs/rtvi-conformance.md does not list")
        return 1
    print("\nOK: every difference is documented in docs/rtvi-conformance.md")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pipecat-python", default=str(BENCH / ".venv-pipecat" / "bin" / "python"))
    parser.add_argument("--rtvi-python", default=str(BENCH / ".venv-rtvi" / "bin" / "python"))
    parser.add_argument("--versions", default="1.2.0,2.1.0,2.2.0", help="client protocol versions, comma-separated")
    parser.add_argument("--json", help="write both recordings to this file")
    args = parser.parse_args()
    versions = [v.strip() for v in args.versions.split(",") if v.strip()]
    # Absolute but not resolved: a venv's python is a symlink to the base interpreter.
    pythons = {"pipecat": os.path.abspath(args.pipecat_python), "rtvi_core": os.path.abspath(args.rtvi_python)}
    recordings: dict[str, Any] = {}
    try:
        for framework in FRAMEWORKS:
            recordings[framework] = asyncio.run(record(framework, pythons[framework], versions))
    except (ServerError, OSError) as exc:
        print(f"cannot record {framework}: {exc}", file=sys.stderr)
        return 2
    if args.json:
        Path(args.json).write_text(json.dumps(recordings, indent=1))
    for version in versions:
        print_sequences(recordings, version)
    return compare(recordings, versions)


if __name__ == "__main__":
    sys.exit(main())
