#!/usr/bin/env python3
"""Run every benchmark scenario for Pipecat and rtvi_core, side by side.

Each scenario is a script in ``scenarios/`` run as a subprocess with the
framework's own virtual environment (see ``setup.sh``). Frameworks alternate
(pipecat, rtvi_core, then rtvi_core, pipecat, ...) over several repetitions so
slow drifts of a shared machine hit both; every figure is the median over
repetitions. Prints ``scenario | pipecat | rtvi_core | ratio`` where
``ratio = pipecat / rtvi_core`` for costs (time, memory, tasks): above 1 means
rtvi_core is cheaper. Writes ``results/latest.json``.

Standard library only; runs with any python3.

    python3 benchmarks/run.py              # full run
    python3 benchmarks/run.py --quick      # smoke run
    python3 benchmarks/run.py --only rtvi_event --only cold_import
    python3 benchmarks/run.py --only ws_sessions --quick
    python3 benchmarks/run.py --only webrtc_sessions   # ~15 min: streaming sessions over WebRTC
    python3 benchmarks/run.py --only calls             # concurrent calls on cloud services (fakes)
    python3 benchmarks/run.py --only phone_calls       # concurrent Twilio Media Streams calls
    python3 benchmarks/run.py --only phone_calls_workers  # the same, rtvi_core with --workers 2
    python3 benchmarks/run.py --only cluster           # rtvi_core only: gateway dispatch, calls on 3 workers
    python3 benchmarks/run.py --only voice_latency     # rtvi_core only: the voice bot's latency
    python3 benchmarks/run.py --only voice_turns       # rtvi_core only: turn end before/after (issue 13)
    python3 benchmarks/run.py --only soak              # rtvi_core only, 10 min: session churn
    python3 benchmarks/run.py --only stall             # rtvi_core only: bystander during attacks
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCENARIOS_DIR = HERE / "scenarios"
RESULTS_DIR = HERE / "results"
FRAMEWORKS = ("pipecat", "rtvi_core")
DEFAULT_PYTHON = {
    "pipecat": HERE / ".venv-pipecat" / "bin" / "python",
    "rtvi_core": HERE / ".venv-rtvi" / "bin" / "python",
}

# name -> (full args, quick args, full reps, quick reps, timeout s per process)
#: The call-ladder scenarios (``calls``, ``phone_calls``): one rep climbing N until it degrades.
CALL_LADDER: dict = {
    "args": [],
    "quick_args": ["--calls", "1,5", "--secs", "15", "--warmup-secs", "8"],
    "reps": 1,
    "quick_reps": 1,
    "timeout": 3600,
    "default": False,
}

SCENARIOS: dict[str, dict] = {
    "pipeline_frames": {
        "args": [],
        "quick_args": ["--frames", "2000", "--latency-frames", "200", "--warmup", "100"],
        "reps": 5,
        "quick_reps": 1,
        "timeout": 1800,
    },
    "rtvi_event": {
        "args": ["--events", "2000"],
        "quick_args": ["--events", "400"],
        "reps": 7,
        "quick_reps": 1,
        "timeout": 600,
    },
    "idle_memory": {
        "args": ["--sessions", "100"],
        "quick_args": ["--sessions", "20", "--idle", "0.2"],
        "reps": 5,
        "quick_reps": 1,
        "timeout": 600,
    },
    "cold_import": {
        "args": ["--runs", "7"],
        "quick_args": ["--runs", "3"],
        "reps": 3,
        "quick_reps": 1,
        "timeout": 600,
    },
    "ws_sessions": {
        "args": [],
        "quick_args": [
            "--clients",
            "1,10,50",
            "--requests",
            "20",
            "--idle-sessions",
            "50",
            "--idle-secs",
            "1",
            "--starts",
            "20",
        ],
        "reps": 5,
        "quick_reps": 1,
        "timeout": 900,
    },
    # Only with --only (~15 min): streaming echo sessions over WebRTC, both frameworks.
    "webrtc_sessions": {
        "args": [],
        "quick_args": ["--sessions", "1,5", "--secs", "5"],
        "reps": 3,
        "quick_reps": 1,
        "timeout": 1200,
        "default": False,
    },
    # Only with --only (~10 min): concurrent voice calls on cloud services (fakes on loopback).
    "calls": dict(CALL_LADDER),
    # Only with --only (~10 min): concurrent phone calls over Twilio Media Streams (G.711, pacing).
    "phone_calls": dict(CALL_LADDER),
    # The same two ladders with rtvi_core on both cores (`rtvi run --workers 2`), rtvi_core only.
    "calls_workers": dict(
        CALL_LADDER,
        script="calls",
        args=["--rtvi-workers", "2"],
        quick_args=[*CALL_LADDER["quick_args"], "--rtvi-workers", "2"],
        frameworks=("rtvi_core",),
    ),
    "phone_calls_workers": dict(
        CALL_LADDER,
        script="phone_calls",
        args=["--rtvi-workers", "2"],
        quick_args=[*CALL_LADDER["quick_args"], "--rtvi-workers", "2"],
        frameworks=("rtvi_core",),
    ),
    # rtvi_core only, and only with --only (~10 min): /start dispatch through a cluster gateway
    # (Redis) and the calls 3 local workers hold (issue 14).
    "cluster": {
        "args": [],
        "quick_args": ["--calls", "1,6", "--secs", "15", "--warmup-secs", "8", "--starts", "300"],
        "reps": 1,
        "quick_reps": 1,
        "timeout": 3600,
        "frameworks": ("rtvi_core",),
        "default": False,
    },
    # rtvi_core only: the voice bot (Silero + Whisper + echo + Piper) over a real socket.
    "voice_latency": {
        "args": [],
        "quick_args": ["--utterances", "3"],
        "reps": 1,
        "quick_reps": 1,
        "timeout": 900,
        "frameworks": ("rtvi_core",),
    },
    # rtvi_core only, and only with --only (~5 min): end of speech -> first bot audio, barge-in
    # and WER, fixed hang-over + segmented Whisper against smart turn end + incremental Whisper.
    "voice_turns": {
        "args": [],
        "quick_args": ["--utterances", "4"],
        "reps": 1,
        "quick_reps": 1,
        "timeout": 1800,
        "frameworks": ("rtvi_core",),
        "default": False,
    },
    # The same over WebRTC (rtvi_core only, only with --only): compare with voice_latency.
    "voice_latency_webrtc": {
        "script": "voice_latency",
        "args": ["--transport", "webrtc"],
        "quick_args": ["--transport", "webrtc", "--utterances", "3"],
        "reps": 1,
        "quick_reps": 1,
        "timeout": 900,
        "frameworks": ("rtvi_core",),
        "default": False,
    },
    # rtvi_core only, and only with --only (10 minutes): session churn against `rtvi run`.
    "soak": {
        "args": ["--minutes", "10"],
        "quick_args": ["--quick"],
        "reps": 1,
        "quick_reps": 1,
        "timeout": 3600,
        "frameworks": ("rtvi_core",),
        "default": False,
    },
    # rtvi_core only, and only with --only: a bystander's round trips during each attack of issue 17.
    "stall": {
        "args": [],
        "quick_args": ["--quick"],
        "reps": 3,
        "quick_reps": 1,
        "timeout": 1800,
        "frameworks": ("rtvi_core",),
        "default": False,
    },
}


#: The stall scenario's attacks, as its JSON names them (its table rows).
STALL_ATTACKS = (
    "baseline",
    "audio_1hz",
    "audio_many_rates",
    "send_text_one_word",
    "deep_json",
    "audio_1mib",
    "type_array",
    "hung_start",
)


# One table row: (scenario, label, path in results, unit, target ratio or None).
# Every metric here is a cost (lower is better) so pipecat / rtvi_core > 1
# means rtvi_core wins. Rows whose path is a pair read pipecat's and
# rtvi_core's figure from different places (cold_import "alone" row).
def table_rows() -> list[dict]:
    rows = []
    for k in (1, 10, 50):
        target = 10.0 if k in (10, 50) else None
        rows += [
            dict(
                scenario="pipeline_frames",
                label=f"K={k} wall us/frame",
                path=(f"k{k}", "us_per_frame"),
                unit="us",
                target=target,
            ),
            dict(
                scenario="pipeline_frames",
                label=f"K={k} CPU us/frame",
                path=(f"k{k}", "cpu_us_per_frame"),
                unit="us",
                target=target,
            ),
            dict(
                scenario="pipeline_frames",
                label=f"K={k} latency p50 us",
                path=(f"k{k}", "latency_p50_us"),
                unit="us",
                target=None,
            ),
            dict(
                scenario="pipeline_frames",
                label=f"K={k} latency p99 us",
                path=(f"k{k}", "latency_p99_us"),
                unit="us",
                target=None,
            ),
        ]
    rows += [
        dict(
            scenario="rtvi_event",
            label="CPU us/event (RTVI msgs at sink)",
            path=("cpu_us_per_event",),
            unit="us",
            target=10.0,
        ),
        dict(scenario="rtvi_event", label="CPU us/LLM token", path=("cpu_us_per_llm_token",), unit="us", target=None),
        dict(
            scenario="rtvi_event",
            label="bot-llm-text msgs seen (count)",
            path=("bot_llm_text_seen",),
            unit="n",
            target=None,
            ratio=False,
        ),
        dict(
            scenario="rtvi_event",
            label="RTVI msgs seen (count)",
            path=("messages_seen",),
            unit="n",
            target=None,
            ratio=False,
        ),
        dict(
            scenario="idle_memory",
            label="tracemalloc KiB/session",
            path=("tracemalloc_kib_per_session",),
            unit="KiB",
            target=5.0,
        ),
        dict(scenario="idle_memory", label="RSS KiB/session", path=("rss_kib_per_session",), unit="KiB", target=5.0),
        dict(
            scenario="idle_memory",
            label="asyncio tasks/session",
            path=("asyncio_tasks_per_session",),
            unit="n",
            target=5.0,
        ),
        dict(
            scenario="cold_import",
            label="equivalent imports ms  <==",
            path=("equivalent", "import_ms"),
            unit="ms",
            target=10.0,
        ),
        dict(
            scenario="cold_import",
            label="vs `import rtvi_core` alone ms",
            path={"pipecat": ("equivalent", "import_ms"), "rtvi_core": ("package", "import_ms")},
            unit="ms",
            target=None,
        ),
        dict(
            scenario="cold_import",
            label="bare package import ms",
            path=("package", "import_ms"),
            unit="ms",
            target=None,
        ),
        dict(
            scenario="cold_import",
            label="imports + first PipelineTask ms",
            path=("ready", "import_ms"),
            unit="ms",
            target=None,
        ),
        dict(
            scenario="cold_import",
            label="equivalent, whole process ms",
            path=("equivalent", "process_ms"),
            unit="ms",
            target=None,
        ),
    ]
    for m in (1, 10, 50, 200):
        rows += [
            dict(
                scenario="ws_sessions",
                label=f"M={m} server CPU us/round trip",
                path=(f"m{m}", "cpu_us_per_rt"),
                unit="us",
                target=5.0,
            ),
            dict(
                scenario="ws_sessions",
                label=f"M={m} round trip p50 ms",
                path=(f"m{m}", "p50_ms"),
                unit="ms",
                target=None,
            ),
            dict(
                scenario="ws_sessions",
                label=f"M={m} round trip p99 ms",
                path=(f"m{m}", "p99_ms"),
                unit="ms",
                target=None,
                limit=50.0 if m == 200 else None,
            ),
            dict(
                scenario="ws_sessions",
                label=f"M={m} round trips/s (more is better)",
                path=(f"m{m}", "round_trips_per_s"),
                unit="n",
                target=None,
                ratio=False,
            ),
        ]
    rows += [
        dict(
            scenario="ws_sessions",
            label="idle session RSS KiB/session",
            path=("idle_sessions", "rss_kib_per_session"),
            unit="KiB",
            target=5.0,
        ),
        dict(
            scenario="ws_sessions",
            label="idle session CPU us/session/s",
            path=("idle_sessions", "idle_cpu_us_per_session_per_s"),
            unit="us",
            target=None,
        ),
        dict(
            scenario="ws_sessions",
            label="session start CPU us (M=200)",
            path=("m200", "session_setup_cpu_us"),
            unit="us",
            target=None,
        ),
        dict(
            scenario="ws_sessions",
            label="POST /start CPU us",
            path=("post_start", "cpu_us_per_start"),
            unit="us",
            target=None,
        ),
        dict(
            scenario="ws_sessions",
            label="idle server RSS KiB",
            path=("idle_server", "rss_kib"),
            unit="KiB",
            target=None,
        ),
        dict(
            scenario="ws_sessions",
            label="idle server CPU us/s",
            path=("idle_server", "cpu_us_per_s"),
            unit="us",
            target=None,
        ),
    ]
    for n in (1, 5, 10, 20):
        rows += [
            dict(
                scenario="webrtc_sessions",
                label=f"N={n} server CPU ms/s per session",
                path=(f"n{n}", "cpu_ms_per_s_per_session"),
                unit="ms",
                target=2.0,
            ),
            dict(
                scenario="webrtc_sessions",
                label=f"N={n} late bot audio packets %",
                path=(f"n{n}", "late_pct"),
                unit="n",
                target=None,
                ratio=False,
            ),
        ]
    rows += [
        dict(
            scenario="webrtc_sessions",
            label="sessions held (late <= 1 %, more is better)",
            path=("sessions_held",),
            unit="n",
            target=None,
            ratio=False,
        ),
        dict(
            scenario="webrtc_sessions",
            label="idle server CPU ms/s",
            path=("idle_server", "cpu_ms_per_s"),
            unit="ms",
            target=None,
        ),
    ]
    rows += _call_ladder_rows("calls", "calls held", ("turn latency p50 ms", "turn_ms_p50"))
    rows += _call_ladder_rows("phone_calls", "phone calls held", ("answer lag p90 ms", "lag_ms_p90"))
    rows += _call_ladder_rows("calls_workers", "calls held, 2 workers", ("turn latency p50 ms", "turn_ms_p50"))
    rows += _call_ladder_rows("phone_calls_workers", "phone calls held, 2 workers", ("answer lag p90 ms", "lag_ms_p90"))
    rows += [
        dict(scenario="cluster", label=label, path=path, unit=unit, target=None, ratio=False)
        for label, path, unit in (
            ("POST /start per second through the gateway", ("dispatch", "starts_per_sec"), "n"),
            ("POST /start latency p50 ms", ("dispatch", "latency_ms_p50"), "ms"),
            ("POST /start latency p99 ms", ("dispatch", "latency_ms_p99"), "ms"),
            ("gateway CPU us per /start", ("dispatch", "gateway_cpu_us_per_start"), "us"),
            ("Redis CPU us per /start", ("dispatch", "redis_cpu_us_per_start"), "us"),
            ("calls held by 3 workers (more is better)", ("calls_held",), "n"),
        )
    ]
    soak = [
        ("rounds done", ("summary", "rounds_done"), "n"),
        ("rounds failed", ("summary", "rounds_failed"), "n"),
        ("sessions ended", ("summary", "sessions_ended"), "n"),
        ("RSS left per ended session B", ("summary", "rss_bytes_per_ended_session"), "n"),
        ("RSS slope per session B", ("summary", "rss_slope_bytes_per_session"), "n"),
        ("server RSS at start KiB", ("start", "rss_kib"), "KiB"),
        ("server RSS at end KiB", ("end", "rss_kib"), "KiB"),
        ("open fds at start", ("start", "fds"), "n"),
        ("open fds at end", ("end", "fds"), "n"),
        ("sessions at end (must be 0)", ("end", "sessions"), "n"),
        ("loop lag p99 under load, worst ms", ("summary", "load_loop_p99_ms_max"), "ms"),
        ("loop lag max under load ms", ("summary", "load_loop_max_ms"), "ms"),
        ("loop stalls (> 100 ms)", ("summary", "stalls"), "n"),
    ]
    rows += [
        dict(scenario="soak", label=label, path=path, unit=unit, target=None, ratio=False) for label, path, unit in soak
    ]
    rows += [
        dict(
            scenario="stall",
            label=f"{attack}: bystander {q} ms",
            path=("attacks", attack, f"rtt_{q}_ms"),
            unit="ms",
            target=None,
            ratio=False,
        )
        for attack in STALL_ATTACKS
        for q in ("p99", "max")
    ]
    for scenario in ("voice_latency", "voice_latency_webrtc"):
        rows += _voice_rows(scenario)
    rows += _voice_turn_rows()
    return rows


def _call_ladder_rows(scenario: str, held: str, latency: tuple[str, str]) -> list[dict]:
    """A call ladder's rows: the calls it held, and at N=10 the CPU and RSS per call and ``latency``
    (its label and key)."""
    at_10 = [
        ("server CPU ms/s per call", "cpu_ms_per_s_per_call", "ms"),
        ("RSS KiB per call", "rss_kib_per_call", "KiB"),
        (latency[0], latency[1], "ms"),
    ]
    rows = [
        dict(
            scenario=scenario,
            label=f"{held} (more is better)",
            path=("calls_held",),
            unit="n",
            target=None,
            ratio=False,
        )
    ]
    rows += [
        dict(scenario=scenario, label=f"N=10 {label}", path=("n10", key), unit=unit, target=None)
        for label, key, unit in at_10
    ]
    return rows


def _voice_turn_rows() -> list[dict]:
    """voice_turns: per bot (fixed hang-over before, smart turn end after), p50/p90 of each stage."""
    rows: list[dict] = []
    stages = ("voice_to_voice", "turn_end", "stt_final", "llm_first_token", "tts_first_audio")
    for bot in ("fixed", "smart", "default", "smart-last-word"):  # (the last one only with --bots ...)
        for stage in stages:
            for q in ("p50", "p90"):
                label = f"{bot}: {'' if stage == 'voice_to_voice' else '  '}{stage} {q} ms"
                rows.append(dict(path=("bots", bot, "ms", stage, q), label=label, unit="ms"))
        rows.append(
            dict(path=("bots", bot, "barge_in_ms", "audio_stopped", "p50"), label=f"{bot}: barge-in p50 ms", unit="ms")
        )
        rows.append(dict(path=("bots", bot, "wer"), label=f"{bot}: word error rate", unit="n"))
        rows.append(dict(path=("bots", bot, "split_turns"), label=f"{bot}: turns ended inside a pause", unit="n"))
    return [dict(row, scenario="voice_turns", target=None, ratio=False) for row in rows]


def _voice_rows(scenario: str) -> list[dict]:
    rows: list[dict] = []
    rows += [
        dict(
            scenario=scenario,
            label=f"voice to voice {q} ms",
            path=("ms", "voice_to_voice", q),
            unit="ms",
            target=None,
            ratio=False,
        )
        for q in ("p50", "p90")
    ]
    rows += [
        dict(
            scenario=scenario,
            label=f"  {part} p50 ms",
            path=("ms", part, "p50"),
            unit="ms",
            target=None,
            ratio=False,
        )
        for part in ("vad_wait", "stt", "turn_end", "llm_first_token", "tts_start", "tts_first_audio", "transport")
    ]
    rows += [
        dict(
            scenario=scenario,
            label="components alone p50 ms",
            path=("ms", "components", "total", "p50"),
            unit="ms",
            target=None,
            ratio=False,
        ),
        dict(
            scenario=scenario,
            label="framework overhead p50 ms",
            path=("ms", "overhead", "p50"),
            unit="ms",
            target=None,
            ratio=False,
            limit=50.0,
        ),
        dict(
            scenario=scenario,
            label="framework gaps p50 ms",
            path=("ms", "framework_gaps", "p50"),
            unit="ms",
            target=None,
            ratio=False,
            limit=50.0,
        ),
    ]
    return rows


# --------------------------------------------------------------------------- running


def scenario_frameworks(name: str, frameworks: tuple[str, ...]) -> tuple[str, ...]:
    """The frameworks of ``frameworks`` that scenario ``name`` runs on."""
    own = SCENARIOS[name].get("frameworks", FRAMEWORKS)
    return tuple(fw for fw in frameworks if fw in own)


def run_scenario(name: str, framework: str, python: str, extra: list[str], timeout: float) -> dict:
    script = SCENARIOS[name].get("script", name)
    cmd = [python, str(SCENARIOS_DIR / f"{script}.py"), "--framework", framework, *extra]
    env = dict(os.environ)
    # The venv alone decides what gets imported; same interpreter settings for both.
    for var in (
        "PYTHONPATH",
        "PYTHONDONTWRITEBYTECODE",
        "PYTHONUNBUFFERED",
        "PYTHONDEVMODE",
        "PYTHONMALLOC",
        "PYTHONTRACEMALLOC",
        "PYTHONASYNCIODEBUG",
        "PYTHONPROFILEIMPORTTIME",
    ):
        env.pop(var, None)
    env.setdefault("PYTHONHASHSEED", "0")
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=str(SCENARIOS_DIR), env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        err = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else exc.stderr
        return {"ok": False, "error": f"timeout after {timeout}s", "stderr_tail": _tail(err)}
    elapsed = time.perf_counter() - t0
    payload = None
    for line in reversed(proc.stdout.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                payload = json.loads(line)
                break
            except json.JSONDecodeError:
                continue
    if proc.returncode != 0 or payload is None:
        return {
            "ok": False,
            "error": f"exit code {proc.returncode}" + ("" if payload else ", no JSON on stdout"),
            "cmd": cmd,
            "stderr_tail": _tail(proc.stderr),
        }
    payload["ok"] = True
    payload["elapsed_s"] = elapsed
    return payload


def _tail(text: str | None, lines: int = 25) -> str:
    if not text:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def dig(obj, path):
    for key in path:
        if not isinstance(obj, dict) or key not in obj:
            return None
        obj = obj[key]
    return obj


def _num(v):
    if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
        return float(v)
    return None


def median_of(runs: list[dict], path) -> float | None:
    values = []
    for run in runs:
        v = dig(run.get("results"), path)
        if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
            values.append(float(v))
    return statistics.median(values) if values else None


def fmt(v: float | None, unit: str) -> str:
    if v is None:
        return "-"
    if unit == "n":
        return f"{v:,.2f}".rstrip("0").rstrip(".") if v != int(v) else f"{int(v):,}"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:,.1f}"
    return f"{v:,.2f}"


def ratio_of(p: float | None, r: float | None) -> float | None:
    if p is None or r is None:
        return None
    if r <= 0:
        return math.inf if p > 0 else None
    return p / r


def fmt_ratio(x: float | None) -> str:
    if x is None:
        return "-"
    if math.isinf(x):
        return "inf"
    return f"{x:,.1f}x" if x >= 10 else f"{x:,.2f}x"


def git_describe() -> str | None:
    try:
        out = subprocess.run(
            ["git", "-C", str(HERE.parent), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        )
        dirty = subprocess.run(
            ["git", "-C", str(HERE.parent), "status", "--porcelain"],
            capture_output=True,
            text=True,
            timeout=10,
        )
        if out.returncode == 0:
            return out.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")
    except Exception:
        pass
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer frames/repetitions (smoke run)")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME",
        help=f"run only this scenario (repeatable, or comma-separated): {', '.join(SCENARIOS)}",
    )
    parser.add_argument("--reps", type=int, help="override repetitions per framework")
    parser.add_argument(
        "--framework", action="append", choices=FRAMEWORKS, help="run only this framework (repeatable; default both)"
    )
    parser.add_argument(
        "--pipecat-python",
        default=str(DEFAULT_PYTHON["pipecat"]),
        help="interpreter of the Pipecat venv (default: benchmarks/.venv-pipecat)",
    )
    parser.add_argument(
        "--rtvi-python",
        default=str(DEFAULT_PYTHON["rtvi_core"]),
        help="interpreter of the rtvi_core venv (default: benchmarks/.venv-rtvi)",
    )
    parser.add_argument("--output", default=str(RESULTS_DIR / "latest.json"))
    args = parser.parse_args()

    only = [n for item in args.only for n in item.split(",") if n]
    unknown = [n for n in only if n not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario(s) {unknown}; choose from {list(SCENARIOS)}")
    names = only or [name for name, spec in SCENARIOS.items() if spec.get("default", True)]
    frameworks = tuple(args.framework or FRAMEWORKS)
    # Absolute (scenarios run in scenarios/), not resolved (a venv's python is a symlink).
    pythons = {"pipecat": os.path.abspath(args.pipecat_python), "rtvi_core": os.path.abspath(args.rtvi_python)}
    for fw in sorted({fw for name in names for fw in scenario_frameworks(name, frameworks)}):
        if not Path(pythons[fw]).exists():
            print(
                f"missing interpreter for {fw}: {pythons[fw]}\n"
                f"run `bash {HERE.relative_to(Path.cwd()) if HERE.is_relative_to(Path.cwd()) else HERE}/setup.sh` first",
                file=sys.stderr,
            )
            return 2

    started = _dt.datetime.now(_dt.UTC)
    raw: dict[str, dict[str, list]] = {}
    for name in names:
        spec = SCENARIOS[name]
        extra = spec["quick_args"] if args.quick else spec["args"]
        reps = args.reps or (spec["quick_reps"] if args.quick else spec["reps"])
        runs_on = scenario_frameworks(name, frameworks)
        raw[name] = {fw: [] for fw in runs_on}
        for rep in range(reps):
            order = runs_on if rep % 2 == 0 else runs_on[::-1]
            for fw in order:
                print(f"[{name}] rep {rep + 1}/{reps} {fw} ...", end=" ", file=sys.stderr, flush=True)
                result = run_scenario(name, fw, pythons[fw], extra, spec["timeout"])
                raw[name][fw].append(result)
                if result["ok"]:
                    print(f"ok ({result['elapsed_s']:.1f}s)", file=sys.stderr, flush=True)
                else:
                    print(f"FAILED: {result['error']}", file=sys.stderr, flush=True)
                    print(result.get("stderr_tail", ""), file=sys.stderr, flush=True)

    # ------------------------------------------------------------------ table
    table = []
    for row in table_rows():
        if row["scenario"] not in raw:
            continue
        runs = raw[row["scenario"]]
        values = {}
        for fw in FRAMEWORKS:
            path = row["path"][fw] if isinstance(row["path"], dict) else row["path"]
            ok_runs = [r for r in runs.get(fw, []) if r.get("ok")]
            values[fw] = median_of(ok_runs, path)
        ratio = ratio_of(values["pipecat"], values["rtvi_core"]) if row.get("ratio", True) else None
        # Paired ratio: repetition i of pipecat against repetition i of
        # rtvi_core (run back to back), median over i. Less sensitive to the
        # machine's speed drifting during the run than the ratio of medians.
        paired = None
        if row.get("ratio", True):
            pairs = []
            for rp, rr in zip(runs.get("pipecat", []), runs.get("rtvi_core", [])):
                if not (rp.get("ok") and rr.get("ok")):
                    continue
                pp = row["path"]["pipecat"] if isinstance(row["path"], dict) else row["path"]
                pr = row["path"]["rtvi_core"] if isinstance(row["path"], dict) else row["path"]
                x = ratio_of(_num(dig(rp.get("results"), pp)), _num(dig(rr.get("results"), pr)))
                if x is not None and math.isfinite(x):
                    pairs.append(x)
            paired = statistics.median(pairs) if pairs else None
        met = None
        if row["target"] is not None and ratio is not None:
            met = ratio >= row["target"]
        # An absolute limit on rtvi_core's figure (e.g. p99 under 50 ms).
        limit = row.get("limit")
        if limit is not None and values["rtvi_core"] is not None:
            met = values["rtvi_core"] <= limit
        table.append(
            {
                "scenario": row["scenario"],
                "metric": row["label"],
                "unit": row["unit"],
                "pipecat": values["pipecat"],
                "rtvi_core": values["rtvi_core"],
                "ratio": None if ratio is None or math.isinf(ratio) else ratio,
                "ratio_inf": bool(ratio is not None and math.isinf(ratio)),
                "paired_ratio": paired,
                "target_ratio": row["target"],
                "limit": limit,
                "target_met": met,
            }
        )

    headers = ("scenario", "metric", "pipecat", "rtvi_core", "ratio (pipecat / rtvi_core)", "paired", "target")
    lines = []
    for t in table:
        ratio = math.inf if t["ratio_inf"] else t["ratio"]
        target = ""
        mark = {True: "ok", False: "MISSED", None: "?"}[t["target_met"]]
        if t["target_ratio"] is not None:
            target = f">= {t['target_ratio']:g}x {mark}"
        elif t["limit"] is not None:
            target = f"rtvi_core <= {t['limit']:g} {mark}"
        lines.append(
            (
                t["scenario"],
                t["metric"],
                fmt(t["pipecat"], t["unit"]),
                fmt(t["rtvi_core"], t["unit"]),
                fmt_ratio(ratio),
                fmt_ratio(t["paired_ratio"]),
                target,
            )
        )
    widths = [max(len(h), *(len(line[i]) for line in lines)) if lines else len(h) for i, h in enumerate(headers)]
    right = {2, 3, 4, 5}

    def render(cells):
        return " | ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    print()
    print(render(headers))
    print("-+-".join("-" * w for w in widths))
    prev = None
    for line in lines:
        cells = list(line)
        if cells[0] == prev:
            cells[0] = ""
        prev = line[0]
        print(render(cells))
    print()
    print(
        "pipecat, rtvi_core: medians over repetitions. ratio = median / median; > 1 means "
        "rtvi_core is cheaper.\npaired = median over repetitions of the back-to-back "
        "pipecat / rtvi_core ratios (robust to machine-speed drift)."
        f"{' QUICK run (smoke only).' if args.quick else ''}"
    )

    failures = [(n, fw) for n in raw for fw in raw[n] for r in raw[n][fw] if not r.get("ok")]
    if failures:
        print(f"{len(failures)} scenario run(s) failed: {sorted(set(failures))}", file=sys.stderr)

    # ------------------------------------------------------------------ JSON
    versions = {}
    for fw in frameworks:
        for runs in raw.values():
            v = next((r.get("framework_version") for r in runs.get(fw, []) if r.get("ok")), None)
            if v:
                versions[fw] = v
                break
    out = {
        "meta": {
            "started_utc": started.isoformat(timespec="seconds"),
            "finished_utc": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
            "quick": args.quick,
            "scenarios": names,
            "frameworks": list(frameworks),
            "framework_versions": versions,
            "interpreters": {fw: pythons[fw] for fw in frameworks},
            "host": platform.node(),
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "loadavg_at_end": os.getloadavg() if hasattr(os, "getloadavg") else None,
            "repo_commit": git_describe(),
            "ratio": "pipecat / rtvi_core (costs: > 1 means rtvi_core is cheaper)",
        },
        "table": table,
        "runs": raw,
    }
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(out, indent=2, sort_keys=False) + "\n")
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    # latest.json -> run-<stamp>.json; any other name keeps its stem (ws-latest -> ws-latest-<stamp>).
    prefix = "run" if output.stem == "latest" else output.stem
    archive = output.parent / f"{prefix}-{stamp}{'-quick' if args.quick else ''}.json"
    archive.write_text(output.read_text())
    print(f"wrote {output}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
