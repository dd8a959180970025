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
import sys
from pathlib import Path

import _common
import call_ladder as ladder
from ws_sessions import Server, serve_and_emit

HERE = Path(__file__).resolve().parent
PHONE_DIR = HERE.parent / "phone"
sys.path.insert(0, str(PHONE_DIR))

from load import run_calls  # noqa: E402


def server_command(framework: str, args: argparse.Namespace) -> list[str]:
    if framework == "pipecat":
        log = ["--log-level", args.pipecat_log_level]
        return [sys.executable, str(PHONE_DIR / "pipecat_server.py"), "--port", "0", *log]
    rtvi = [sys.executable, str(PHONE_DIR / "rtvi_server.py"), str(args.bot_file)]
    return [*rtvi, "--port", "0", "--workers", str(args.rtvi_workers)]


def lagging_audio(step: dict, base: dict, args: argparse.Namespace) -> str:
    """The answers' outbound audio falls behind real time (lag p90 over ``--lag-limit-ms``)."""
    if (step["lag_ms_p90"] or 0) > args.lag_limit_ms:
        return f"outbound audio behind real time: lag p90 {step['lag_ms_p90']:.0f} ms > {args.lag_limit_ms:g} ms"
    return ""


#: Why a step counts as degraded against the 1-call base ("" when it held).
degraded = ladder.first_of(ladder.failed_calls, lagging_audio, ladder.gappy_audio, ladder.slow_turns)


def main() -> None:
    parser = _common.make_parser(__doc__.splitlines()[0])
    ladder.add_ladder_arguments(parser, "1,10,20,40,60,80,100,150,200,250,300,400")
    parser.add_argument("--lag-limit-ms", type=float, default=100.0, help="answer lag p90 that degrades")
    parser.add_argument("--gap-limit-pct", type=float, default=1.0)
    parser.add_argument("--latency-factor", type=float, default=2.0)
    ladder.add_server_arguments(parser, str(PHONE_DIR / "phone.toml"))
    args = parser.parse_args()
    server = Server(server_command(args.framework, args), PHONE_DIR)
    serve_and_emit(server, "phone_calls", args, lambda s: ladder.climb("phone_calls", args, s, run_calls, degraded))


if __name__ == "__main__":
    main()
