"""Scenario 4: cold import time in a fresh interpreter.

For each import set, a fresh ``python -c`` child (this venv's interpreter)
times the import statements with ``perf_counter`` and reports it; we also
record the child's whole wall time (interpreter start-up included). One
untimed run first (writes any missing .pyc), then ``--runs`` timed runs per
set, interleaved between sets; medians are reported.

Import sets:

* ``equivalent``: what a bot needs to build a pipeline with RTVI
  (Pipecat: six ``from pipecat... import`` lines; rtvi_core: one
  ``from rtvi_core import ...`` line with the same names);
* ``package``: the bare package (``import pipecat`` / ``import rtvi_core``);
* ``ready``: the equivalent imports plus building a ``PipelineTask`` with RTVI on
  (rtvi_core loads anyio and msgspec on first use; this row includes them).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import _common

FRAMEWORK = _common.framework_from_argv()

if FRAMEWORK == "pipecat":
    IMPORT_SETS = {
        "equivalent": (
            "from pipecat.pipeline.pipeline import Pipeline\n"
            "from pipecat.pipeline.task import PipelineParams, PipelineTask\n"
            "from pipecat.pipeline.runner import PipelineRunner\n"
            "from pipecat.processors.frame_processor import FrameProcessor\n"
            "from pipecat.processors.frameworks.rtvi import RTVIProcessor, RTVIObserver, "
            "RTVIObserverParams\n"
            "from pipecat.frames.frames import TextFrame, EndFrame\n"
        ),
        "package": "import pipecat\n",
    }
    READY = "PipelineTask(Pipeline([FrameProcessor()]), params=PipelineParams())\n"
else:
    IMPORT_SETS = {
        "equivalent": (
            "from rtvi_core import Pipeline, PipelineParams, PipelineTask, PipelineRunner, "
            "FrameProcessor, RTVIProcessor, RTVIObserver, RTVIObserverParams, TextFrame, "
            "EndFrame\n"
        ),
        "package": "import rtvi_core\n",
    }
    READY = "PipelineTask(Pipeline([FrameProcessor()]), params=PipelineParams())\n"

# "ready": the equivalent imports plus building a PipelineTask with RTVI on, i.e.
# everything a bot loads before it can run (rtvi_core loads anyio and msgspec on first
# use, so this row shows that deferred cost too).
IMPORT_SETS["ready"] = IMPORT_SETS["equivalent"] + READY

# ----------------------------------------------------------------------------
# Everything below is framework-agnostic.

CHILD = """\
import time as _t
_t0 = _t.perf_counter()
{imports}
_t1 = _t.perf_counter()
import sys as _s
_s.stdout.write("IMPORT_S=%r\\n" % (_t1 - _t0))
_s.stdout.flush()
"""


def run_child(imports: str) -> tuple[float, float]:
    code = CHILD.format(imports=imports)
    # -I: isolated mode, so PYTHON* variables (PYTHONPATH,
    # PYTHONDONTWRITEBYTECODE, ...) and the current directory play no part.
    env = dict(os.environ)
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-I", "-c", code],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    total = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"import failed ({proc.returncode}): {imports!r}")
    for line in proc.stdout.splitlines():
        if line.startswith("IMPORT_S="):
            return float(line.split("=", 1)[1]), total
    raise SystemExit(f"child printed no timing: {proc.stdout!r}")


def main(args) -> dict:
    names = list(IMPORT_SETS)
    for name in names:  # untimed: warm the OS cache, write missing .pyc
        run_child(IMPORT_SETS[name])
    samples = {name: {"import": [], "process": []} for name in names}
    for i in range(args.runs):
        order = names if i % 2 == 0 else names[::-1]
        for name in order:
            imp, total = run_child(IMPORT_SETS[name])
            samples[name]["import"].append(imp * 1e3)
            samples[name]["process"].append(total * 1e3)
    results = {}
    for name in names:
        results[name] = {
            "statement": IMPORT_SETS[name].strip(),
            "runs": args.runs,
            "import_ms": _common.median(samples[name]["import"]),
            "process_ms": _common.median(samples[name]["process"]),
            "import_ms_samples": samples[name]["import"],
        }
    return results


if __name__ == "__main__":
    parser = _common.make_parser(__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    _common.emit("cold_import", FRAMEWORK, main(args), params=vars(args))
