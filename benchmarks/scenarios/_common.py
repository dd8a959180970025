"""Shared helpers for the benchmark scenarios (standard library only).

Every scenario is a single script run as::

    python scenarios/<name>.py --framework pipecat|rtvi_core [params]

It prints exactly one JSON object on stdout (see :func:`emit`). Anything else
(framework logs, warnings) must go to stderr, which ``run.py`` only shows when
a scenario fails.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Iterable, Sequence
from typing import Any

FRAMEWORKS = ("pipecat", "rtvi_core")


def make_parser(description: str) -> argparse.ArgumentParser:
    """An argument parser that already knows ``--framework``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--framework", choices=FRAMEWORKS, required=True)
    return parser


def framework_from_argv(argv: Sequence[str] | None = None) -> str:
    """Read ``--framework`` early, before the framework imports.

    Scenarios choose their import block from this, then parse the full
    argument list with :func:`make_parser` later.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    for i, arg in enumerate(argv):
        if arg == "--framework" and i + 1 < len(argv):
            value = argv[i + 1]
            break
        if arg.startswith("--framework="):
            value = arg.split("=", 1)[1]
            break
    else:
        sys.exit("--framework pipecat|rtvi_core is required")
    if value not in FRAMEWORKS:
        sys.exit(f"--framework must be one of {FRAMEWORKS}, not {value!r}")
    return value


def prepare(framework: str) -> None:
    """Process-wide setup shared by every scenario (call before the imports).

    Framework logs are left at their defaults and go to stderr, which
    ``run.py`` captures, so their cost stays part of what is measured.
    """
    import warnings

    # Pipecat 1.14 marks PipelineTask/PipelineRunner as deprecated aliases;
    # the warnings are noise for a benchmark that uses the shared names.
    warnings.simplefilter("ignore", DeprecationWarning)


# --------------------------------------------------------------------------- stats


def percentile(values: Sequence[float], q: float) -> float:
    """Percentile with linear interpolation (q in [0, 100])."""
    if not values:
        return float("nan")
    data = sorted(values)
    if len(data) == 1:
        return float(data[0])
    pos = (len(data) - 1) * (q / 100.0)
    lo = math.floor(pos)
    hi = math.ceil(pos)
    if lo == hi:
        return float(data[lo])
    return float(data[lo] + (data[hi] - data[lo]) * (pos - lo))


def summarize(values: Sequence[float]) -> dict[str, float]:
    """p50/p90/p99/min/max/mean of a sample."""
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "p50": percentile(values, 50),
        "p90": percentile(values, 90),
        "p99": percentile(values, 99),
        "min": float(min(values)),
        "max": float(max(values)),
        "mean": float(statistics.fmean(values)),
    }


def median(values: Iterable[float]) -> float:
    data = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    return float(statistics.median(data)) if data else float("nan")


# --------------------------------------------------------------------------- timers


class Timer:
    """Wall (perf_counter) + CPU (process_time) stopwatch."""

    __slots__ = ("cpu", "cpu0", "wall", "wall0")

    def __init__(self) -> None:
        self.wall0 = self.cpu0 = 0.0
        self.wall = self.cpu = 0.0

    def start(self) -> Timer:
        self.wall0 = time.perf_counter()
        self.cpu0 = time.process_time()
        return self

    def stop(self, wall_end: float | None = None) -> Timer:
        cpu_end = time.process_time()
        end = time.perf_counter() if wall_end is None else wall_end
        self.wall = end - self.wall0
        self.cpu = cpu_end - self.cpu0
        return self


def settle() -> None:
    """Collect garbage so one phase's leftovers are not billed to the next."""
    gc.collect()
    gc.collect()


# --------------------------------------------------------------------------- memory


def rss_kib() -> int:
    """Resident set size of this process in KiB (Linux /proc/self/status)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1


# --------------------------------------------------------------------------- output


def framework_version(framework: str) -> str:
    try:
        from importlib.metadata import version

        return version("pipecat-ai" if framework == "pipecat" else "rtvi-core")
    except Exception:  # pragma: no cover - best effort only
        return "unknown"


def emit(scenario: str, framework: str, results: dict[str, Any], **extra: Any) -> None:
    """Print the scenario's single JSON object on stdout."""
    payload = {
        "scenario": scenario,
        "framework": framework,
        "framework_version": framework_version(framework),
        "python": platform.python_version(),
        "pid": os.getpid(),
        "results": results,
    }
    payload.update(extra)
    sys.stdout.write(json.dumps(payload, sort_keys=True) + "\n")
    sys.stdout.flush()
