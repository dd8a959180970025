"""Driving the playground page of ``rtvi run`` in Debian's headless Chromium, from Python.

``browser/drive.mjs`` (playwright-core pointed at ``/usr/bin/chromium``, with Chromium's
fake microphone playing a WAV file) clicks through the page and prints what the page
shows after each step; :func:`drive` runs one of its scenarios and returns those
snapshots. Used by this plugin's ``test_playground.py`` and by the end-to-end tests of
other plugins (``tests/cloud`` at the repo root, which puts this folder on ``sys.path``).
Needs ``apt-get install -y chromium``, node and npm.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from js_support import PLAYGROUND_DRIVER, browser_node

from rtvi_core.testing.served import ServedBot
from rtvi_core.testing.speech import load_speech, silence

PLUGIN = Path(__file__).parents[1]
MIC_CLIP = Path(__file__).parents[3] / "rtvi_core" / "testing" / "data" / "weather-question.wav"
SCENARIO_TIMEOUT_SECS = 120


def _load_build_hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location("rtvi_websocket_hatch_build", PLUGIN / "hatch_build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


#: The package's build hook (``hatch_build.py``): builds the page from its sources.
hatch_build = _load_build_hook()


@dataclass
class Run:
    """What a scenario reported: the page's snapshot after each step, and its ``done`` line."""

    steps: dict[str, dict[str, Any]]
    done: dict[str, Any]


def playground_node() -> str:
    """The ``node`` executable for ``drive.mjs``, the page (re)built first if its sources changed."""
    node = browser_node()
    hatch_build.build_playground(PLUGIN, log=lambda _line: None)
    return node


def drive(node: str, server: ServedBot, scenario: str, out: Path, mic: Path = MIC_CLIP, wait_secs: int = 15) -> Run:
    """Runs one scenario of ``browser/drive.mjs``; fails with its reason, screenshot and the server log.

    ``wait_secs`` bounds each wait of the scenario for the page.
    """
    command = [
        node,
        str(PLAYGROUND_DRIVER),
        "--url",
        server.url,
        "--scenario",
        scenario,
        "--out",
        str(out),
        "--mic-wav",
        str(mic),
        "--timeout",
        str(wait_secs),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=SCENARIO_TIMEOUT_SECS)
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    last = lines[-1] if lines else {}
    assert done.returncode == 0 and "done" in last, (
        f"scenario {scenario} failed: {last.get('failed', done.returncode)}\n"
        f"screenshot: {last.get('screenshot')}\npage at failure: {json.dumps(lines[-2] if len(lines) > 1 else None)}\n"
        f"driver stderr:\n{done.stderr[-3000:]}\nserver log:\n{''.join(server.log[-40:])}"
    )
    run = Run({line["step"]: line["snapshot"] for line in lines if "step" in line}, last["done"])
    assert run.done["external"] == [], f"the page requested non-loopback URLs: {run.done['external']}"
    return run


def question_then_pause(path: Path, lead_in_secs: float = 1.5, pause_secs: float = 30.0) -> Path:
    """The weather question as a WAV for the fake microphone: a lead-in, the question once, a long pause.

    Chromium's fake microphone plays its file from when the page opens the microphone,
    in a loop: the pause keeps the answer from being cut by a repeat of the question,
    the lead-in keeps the question from being missed before ``client-ready``.
    """
    clip = load_speech("weather-question")
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(clip.sample_rate)
        wav.writeframes(silence(lead_in_secs, clip.sample_rate) + clip.pcm + silence(pause_secs, clip.sample_rate))
    return path
