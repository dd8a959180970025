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
import json
import os
import subprocess
import sys
from pathlib import Path

import _common
import call_ladder as ladder
from ws_sessions import Server, serve_and_emit

HERE = Path(__file__).resolve().parent
CALLS_DIR = HERE.parent / "calls"
sys.path.insert(0, str(CALLS_DIR))

from load import run_calls  # noqa: E402


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
    rtvi = str(Path(sys.executable).with_name("rtvi"))
    return [rtvi, "run", str(args.bot_file), "--port", "0", "--workers", str(args.rtvi_workers)]


#: Why a step counts as degraded against the 1-call base ("" when it held).
degraded = ladder.first_of(ladder.failed_calls, ladder.slow_turns, ladder.gappy_audio)


def main() -> None:
    parser = _common.make_parser(__doc__.splitlines()[0])
    ladder.add_ladder_arguments(parser, "1,5,10,20,40,60,80,100,120,150,200")
    parser.add_argument("--latency-factor", type=float, default=2.0)
    parser.add_argument("--gap-limit-pct", type=float, default=1.0)
    ladder.add_server_arguments(parser, str(CALLS_DIR / "calls.toml"))
    args = parser.parse_args()

    fakes = Fakes()
    try:
        os.environ["CALLS_WS_PORT"], os.environ["CALLS_HTTP_PORT"] = str(fakes.ws_port), str(fakes.http_port)
        server = Server(server_command(args.framework, args, fakes), CALLS_DIR)
        others = {"fakes": fakes.proc.pid}
        serve_and_emit(server, "calls", args, lambda s: ladder.climb("calls", args, s, run_calls, degraded, others))
    finally:
        fakes.stop()


if __name__ == "__main__":
    main()
