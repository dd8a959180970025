"""A voice bot on cloud providers, end to end: the stock client in Chromium talks to ``rtvi run``.

The bot file uses ``[stt] use = "deepgram"``, ``[llm] use = "anthropic"`` and
``[tts] use = "cartesia"``, each pointed by ``base_url`` at the plugin's own fake of the
provider's wire protocol on 127.0.0.1 (see cloud_support), with Silero as the VAD, as the
default bot has. The playground page (the stock ``@pipecat-ai/client-js`` with the
WebSocket transport) is driven by ``drive.mjs``'s ``voice-recorded`` scenario:
Chromium's fake microphone asks the weather question once, and every RTVI message the
page logs is recorded with its data and the bot audio frames received before it.

The fakes are deterministic: the Deepgram fake answers the clip's text (interim results
every 250 ms of speech, a final one on Finalize), the Anthropic fake's scripted model
answers the greeting to anything but the weather with a tool, and the Cartesia fake
speaks each word as a 250 ms tone with word timestamps. No assert is about timing.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from cloud_support import ANTHROPIC_KEY, CARTESIA_KEY, DEEPGRAM_KEY, CloudFakes, cloud_fakes, missing_plugin
from playground_support import drive, playground_node, question_then_pause

from rtvi_core.plugins.manager import ENV_DISABLE_AUTOLOAD
from rtvi_core.testing.scripted_model import GREETING
from rtvi_core.testing.served import served_bot
from rtvi_core.testing.speech import load_speech

#: The page waits this long at most for each step (generous: CI runs on 2 busy cores).
WAIT_SECS = 60


def bot_file(fakes: CloudFakes) -> str:
    """The bot: WebSocket, Silero, and the three cloud plugins at the fakes."""
    return f"""\
[bot]
name = "cloud-voice-test-bot"
system_prompt = "You are a helpful voice assistant. Answer in one short sentence."
speak_first = false

[transport]
use = "websocket"

[vad]
use = "silero"

[stt]
use = "deepgram"
base_url = "{fakes.deepgram.url}"
api_key = "{DEEPGRAM_KEY}"
model = "nova-3"
interim_results = true

[llm]
use = "anthropic"
base_url = "{fakes.anthropic.url}"
api_key = "{ANTHROPIC_KEY}"
model = "claude-haiku-4-5"

[tts]
use = "cartesia"
base_url = "{fakes.cartesia.url}"
api_key = "{CARTESIA_KEY}"
"""


def inbound(recorded: list[dict[str, Any]], *types: str) -> list[tuple[int, dict[str, Any]]]:
    """``(index, entry)`` of the RTVI messages of ``types`` the page received, in order."""
    return [(i, e) for i, e in enumerate(recorded) if e["dir"] == "in" and e["type"] in types]


def health(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{url}health") as reply:
        answer: dict[str, Any] = json.loads(reply.read())
    return answer


def test_the_stock_client_talks_to_a_deepgram_anthropic_cartesia_bot(tmp_path: Path) -> None:
    missing = missing_plugin()
    if missing is not None:
        pytest.skip(f"the cloud voice bot cannot run: {missing}")
    question = load_speech("weather-question").text  # what the Deepgram fake hears in the clip
    node = playground_node()
    mic = question_then_pause(tmp_path / "question-then-pause.wav")
    with cloud_fakes() as fakes:
        bot = tmp_path / "bot.toml"
        bot.write_text(bot_file(fakes))
        with served_bot(str(bot)) as server:
            run = drive(node, server, "voice-recorded", tmp_path, mic=mic, wait_secs=WAIT_SECS)
            after = health(server.url)
        recorded: list[dict[str, Any]] = run.steps["answered"]["recorded"]
        (tmp_path / "recorded.json").write_text(json.dumps(recorded, indent=1))
        log = "\n".join(f"{e['dir']} {e['type']} {json.dumps(e['data'])[:200]} frames={e['frames']}" for e in recorded)

        # no RTVI error, from any provider, and none on the client's side
        assert [e for e in recorded if e["type"] in ("error", "error-response", "connectFailed")] == [], log
        assert run.done["pageErrors"] == [], run.done

        # Deepgram: interim transcripts, then the final one with the clip's text
        transcripts = inbound(recorded, "user-transcription")
        finals = [(i, e["data"]["text"]) for i, e in transcripts if e["data"]["final"]]
        assert [text for _, text in finals] == [question], log
        final_at = finals[0][0]
        interims = [(i, e["data"]["text"]) for i, e in transcripts if not e["data"]["final"]]
        assert interims and interims[0][0] < final_at, log
        for _, text in interims:  # the words so far
            assert question.startswith(text), (text, log)
        assert "Finalize" in fakes.deepgram.streams[0].controls  # the VAD ended the turn

        # Anthropic: asked with the final transcript, its reply reaches the page as the LLM's text
        asked = fakes.anthropic.bodies()
        assert len(asked) == 1 and asked[0]["messages"][-1]["content"] in (
            question,
            [{"type": "text", "text": question}],
        ), asked
        llm_text = "".join(e["data"]["text"] for _, e in inbound(recorded, "bot-llm-text"))
        assert llm_text.strip() == GREETING, log
        llm_started = inbound(recorded, "bot-llm-started")
        assert llm_started and llm_started[0][0] > final_at, log

        # Cartesia: the reply is spoken, with word timestamps
        spoken = " ".join(m["transcript"] for m in fakes.cartesia.received if m.get("transcript")).split()
        assert spoken == GREETING.split(), fakes.cartesia.received
        outputs = inbound(recorded, "bot-output")
        segments = [e["data"] for _, e in outputs if e["data"]["spoken_status"] == "new"]
        assert " ".join(s["text"].strip() for s in segments) == GREETING, log
        progress = [(i, e) for i, e in outputs if e["data"]["spoken_status"] in ("in-progress", "completed")]
        words = [e for _, e in inbound(recorded, "bot-tts-text")]
        assert [w["data"]["text"].strip() for w in words] == GREETING.split(), log  # one per word
        assert len(progress) == len(words), log  # word by word, not sentence by sentence
        for segment in segments:  # each sentence's progress grows to the whole sentence
            steps = [
                e["data"]["spoken_progress"] for _, e in progress if e["data"]["segment_id"] == segment["segment_id"]
            ]
            accumulated = [s["accumulated_text"] for s in steps]
            assert len(steps) == len(segment["text"].split()) and accumulated == sorted(accumulated, key=len), log
            assert (accumulated[-1], steps[-1]["remaining_text"]) == (segment["text"], ""), log

        # ... in order with the audio: each word's progress after the previous word's audio
        started = inbound(recorded, "bot-started-speaking")
        stopped = inbound(recorded, "bot-stopped-speaking")
        assert started and stopped and started[0][0] < progress[0][0] and progress[-1][0] < stopped[-1][0], log
        frames = [e["frames"] for _, e in progress]
        assert all(a < b for a, b in itertools.pairwise(frames)), (frames, log)
        assert recorded[stopped[-1][0]]["frames"] > frames[-1], log  # the last word's audio came after it

        # disconnected: the server counts no session
        assert run.steps["disconnected"]["state"] == "disconnected"
        assert after["sessions"] == 0, after


def test_rtvi_plugins_lists_the_cloud_providers() -> None:
    """``rtvi plugins`` lists each cloud provider plugin installed here, under its kind."""
    expected = {
        "deepgram": ("rtvi_deepgram", "stt"),
        "cartesia": ("rtvi_cartesia", "tts"),
        "elevenlabs": ("rtvi_elevenlabs", "tts"),
        "anthropic": ("rtvi_anthropic", "llm"),
        "gemini": ("rtvi_gemini", "llm"),
    }
    installed = {name: kind for name, (module, kind) in expected.items() if importlib.util.find_spec(module)}
    if not installed:
        pytest.skip("no cloud provider plugin is installed: pip install -r requirements/test.txt")
    env = {k: v for k, v in os.environ.items() if k != ENV_DISABLE_AUTOLOAD}
    done = subprocess.run(
        [sys.executable, "-m", "rtvi_core.cli", "plugins", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    listed = {plugin["name"]: plugin for plugin in json.loads(done.stdout)["plugins"]}
    for name, kind in installed.items():
        assert name in listed, (name, sorted(listed))
        assert name in listed[name]["registered"].get(kind, []), listed[name]
