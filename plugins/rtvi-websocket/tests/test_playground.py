"""The playground page of ``rtvi run``, in Debian's headless Chromium.

``rtvi run bot.toml --port 0`` serves a fast, deterministic bot (websocket transport,
energy VAD, echo LLM, tone TTS); ``browser/drive.mjs`` (playwright-core pointed at
``/usr/bin/chromium``, with Chromium's fake microphone playing a speech clip) clicks
through the page and reports what the page shows after each step; these tests
assert on that. Each run leaves a screenshot in the test's tmp dir (and one of the
failure, if any). The page is (re)built first through the package's build hook when
its sources changed. Needs: ``apt-get install -y chromium``, node and npm (the
playwright-core package is installed once into the shared harness's ``node_modules``, see js_support).
"""

from __future__ import annotations

import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playground_support import PLUGIN, drive, hatch_build, playground_node, question_then_pause

from rtvi_core.builtins.tone_tts import word_tone
from rtvi_core.testing.served import ServedBot, served_bot
from rtvi_core.testing.speech import PARIS

#: What the test bot says when a client connects.
GREETING = "Hello! I am the playground test bot."
#: The page is tested against a deterministic, fast bot: the energy VAD hears the fake
#: microphone's clip, the echo LLM answers, the tone TTS speaks in real PCM at once.
#: (The default bot's real voices are tested end to end in tests/voice.)
PAGE_BOT = f"""\
[bot]
name = "playground-test-bot"

[transport]
use = "websocket"

[vad]
use = "energy"

[llm]
use = "echo"
greeting = "{GREETING}"
token_delay = 0.02

[tts]
use = "tone"
"""


@pytest.fixture(scope="module")
def node() -> str:
    return playground_node()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedBot]:
    """``rtvi run PAGE_BOT --port 0``, until the module's tests are done."""
    bot = tmp_path_factory.mktemp("playground") / "bot.toml"
    bot.write_text(PAGE_BOT)
    with served_bot(str(bot)) as server:
        yield server


def log_types(snapshot: dict[str, Any], direction: str = "in") -> list[str]:
    return [kind for d, kind in snapshot["log"] if d == direction]


def turns(snapshot: dict[str, Any]) -> list[tuple[str, str]]:
    return [(turn["role"], turn["text"]) for turn in snapshot["transcript"]]


def test_page_and_assets_are_served(node: str, server: ServedBot) -> None:
    with urllib.request.urlopen(server.url) as reply:
        page = reply.read().decode()
        assert reply.headers["Content-Type"].startswith("text/html")
    assert 'src="playground/playground.js"' in page and 'href="playground/playground.css"' in page
    assert "http://" not in page and "https://" not in page  # nothing from a CDN
    for asset, content_type in (("playground.js", "text/javascript"), ("playground.css", "text/css")):
        with urllib.request.urlopen(f"{server.url}playground/{asset}") as reply:
            assert reply.headers["Content-Type"].startswith(content_type)
            assert len(reply.read()) > 1000


def test_conversation_by_text_and_microphone(node: str, server: ServedBot, tmp_path: Path) -> None:
    run = drive(node, server, "conversation", tmp_path)
    steps = run.steps

    loaded = steps["loaded"]
    assert (loaded["state"], loaded["micPressed"]) == ("disconnected", "true")
    assert loaded["buttons"] == {
        "connect-button": True,
        "disconnect-button": False,
        "send-button": False,
        "mic-button": True,
    }
    assert steps["mic-off-before-connect"]["micPressed"] == "false"

    ready = steps["ready"]
    assert ready["state"] == "ready" and ready["message"] is None
    assert ready["buttons"]["send-button"] and ready["buttons"]["disconnect-button"]
    assert ["out", "client-ready"] in ready["log"]
    assert ready["log"].index(["out", "client-ready"]) < ready["log"].index(["in", "bot-ready"])
    assert ready["micState"] == "off"  # text only: the microphone was never started

    replied = steps["replied"]
    assert ("user", "tell me about tomatoes") in turns(replied)
    user_at = turns(replied).index(("user", "tell me about tomatoes"))
    bot_reply = replied["transcript"][user_at + 1]
    assert (bot_reply["role"], bot_reply["text"], bot_reply["pending"]) == (
        "bot",
        "You said: tell me about tomatoes",
        "",
    )
    after_send = log_types(replied)[len(log_types(ready)) :]
    for kind in ("user-llm-text", "bot-llm-text", "bot-started-speaking", "bot-output", "bot-stopped-speaking"):
        assert kind in after_send, f"{kind} missing from the log after send-text: {after_send}"
    assert "send-text" in log_types(replied, "out")
    assert replied["botAudioFrames"] > ready["botAudioFrames"]  # the reply was spoken: 40 ms frames arrived
    assert replied["botAudio"]["sampleRate"] == replied["botAudio"]["playerRate"] == 24000  # the default rate

    mic_on, mic_off = steps["mic-on"], steps["mic-off"]
    assert (mic_on["micPressed"], mic_on["micState"]) == ("true", "capturing")
    assert "user-started-speaking" in log_types(mic_on)  # the fake microphone's clip reached the server's VAD
    assert (mic_off["micPressed"], mic_off["micState"]) == ("false", "stopped")

    gone = steps["disconnected"]
    assert gone["state"] == "disconnected" and gone["message"] is None
    assert gone["buttons"]["connect-button"] and not gone["buttons"]["send-button"]
    assert run.done["pageErrors"] == []
    assert run.done["websockets"] == [f"{server.url.replace('http', 'ws', 1)}ws"]
    assert (tmp_path / "conversation.png").is_file()


def test_talking_to_the_default_voice_bot(node: str, tmp_path: Path) -> None:
    """The page against ``rtvi run`` with no file: Silero + Whisper + Piper hear and answer the microphone."""
    from rtvi_core.plugins import get_plugin_manager

    registry = get_plugin_manager(autoload=True).registry
    missing = [
        name
        for kind, name in (("vad", "silero"), ("stt", "whisper"), ("tts", "piper"))
        if registry.find(kind, name) is None
    ]
    if missing:
        pytest.skip(
            f"the default bot's voice plugins are not installed: {', '.join(missing)} "
            "(pip install -r requirements/bot.txt)"
        )
    mic = question_then_pause(tmp_path / "question-then-pause.wav")
    with served_bot() as server:
        steps = drive(node, server, "voice", tmp_path, mic=mic, wait_secs=60).steps
    answered = steps["answered"]
    said = [t["text"].lower() for t in answered["transcript"] if t["role"] == "user"]
    assert any("weather" in text and any(city in text for city in PARIS) for text in said), answered["transcript"]
    replies = [t["text"] for t in answered["transcript"] if t["role"] == "bot"]
    assert any(text.startswith("You said:") for text in replies), answered["transcript"]
    assert answered["botAudioFrames"] > 10  # Piper's answer arrived as audio
    assert steps["disconnected"]["state"] == "disconnected"


def test_the_page_plays_bot_audio_at_the_rate_it_arrives(node: str, tmp_path: Path) -> None:
    """A bot sending another rate than the stock client's 24 kHz: the page's player follows it."""
    rate = 16000
    bot = tmp_path / "bot.toml"
    bot.write_text(f"{PAGE_BOT}\n[rtvi.pipeline]\naudio_out_sample_rate = {rate}\n")
    with served_bot(str(bot)) as server:
        spoken = drive(node, server, "bot-audio", tmp_path).steps["spoken"]["botAudio"]
    assert (spoken["sampleRate"], spoken["playerRate"]) == (rate, rate)
    greeting = sum(len(word_tone(word, rate)) // 2 for word in GREETING.split()) / rate
    assert spoken["seconds"] == pytest.approx(greeting, abs=1e-6)  # all of it, counted at its rate


def test_text_only_without_microphone_permission(node: str, server: ServedBot, tmp_path: Path) -> None:
    steps = drive(node, server, "no-mic-permission", tmp_path).steps
    ready = steps["ready"]
    assert ready["state"] == "ready" and (ready["micPressed"], ready["micState"]) == ("false", "error")
    assert ready["message"] == {
        "text": "The microphone is unavailable (no permission or no device): text only.",
        "kind": "notice",
    }
    replied = steps["replied"]
    assert ("user", "hello without a microphone") in turns(replied)
    assert replied["transcript"][-1]["role"] == "bot" and replied["transcript"][-1]["pending"] == ""
    assert replied["botAudioFrames"] > ready["botAudioFrames"]
    assert steps["disconnected"]["state"] == "disconnected"


def test_unreachable_server(node: str, server: ServedBot, tmp_path: Path) -> None:
    refused = drive(node, server, "start-unreachable", tmp_path).steps["refused"]
    assert refused["message"]["kind"] == "error"
    assert refused["message"]["text"].startswith(f"Cannot reach the server: POST {server.url}start failed (")
    assert refused["state"] == "disconnected" and refused["buttons"]["connect-button"]


def test_start_errors_are_shown_and_the_page_recovers(node: str, server: ServedBot, tmp_path: Path) -> None:
    steps = drive(node, server, "start-errors", tmp_path).steps
    expected = {
        "http-503": ['answered "server is full" (status 503)'],
        "not-json": ["is not JSON"],
        "extra-key": ["cannot be used to connect", "Unrecognized connection parameter: sessionId"],
        "ws-refused": ["Cannot open the WebSocket", "1006"],
    }
    for step, parts in expected.items():
        snapshot = steps[step]
        assert snapshot["state"] == "disconnected" and snapshot["buttons"]["connect-button"], step
        for part in parts:
            assert part in snapshot["message"]["text"], (step, snapshot["message"])
    recovered = steps["recovered"]
    assert recovered["state"] == "ready" and recovered["message"] is None


def test_user_transcription_and_bot_errors(node: str, server: ServedBot, tmp_path: Path) -> None:
    steps = drive(node, server, "injected-messages", tmp_path).steps
    interim = steps["interim"]["transcript"][-1]
    assert (interim["role"], interim["final"], interim["interim"]) == ("user", "", "what is the weather")
    later = steps["final-then-interim"]["transcript"][-1]
    assert (later["role"], later["final"], later["interim"]) == ("user", "What is the weather?", " in Paris")
    assert [turn["role"] for turn in steps["final-then-interim"]["transcript"]].count("user") == 1  # one turn
    bot_error = steps["bot-error"]
    assert bot_error["message"] == {"text": "Bot error: the LLM hiccuped", "kind": "error"}
    assert bot_error["state"] == "ready"  # a non-fatal error keeps the session
    assert ["in", "error"] in bot_error["log"]


def test_socket_closed_with_a_code(node: str, server: ServedBot, tmp_path: Path) -> None:
    steps = drive(node, server, "socket-closed", tmp_path).steps
    assert steps["ready"]["state"] == "ready"
    closed = steps["closed"]
    assert closed["message"] == {
        "text": "The server closed the connection: code 4001 (closed by the test).",
        "kind": "error",
    }
    assert closed["state"] == "disconnected" and closed["buttons"]["connect-button"]
    assert ["client", "socketClosed"] in closed["log"]


BOTH = PAGE_BOT.replace(
    'use = "websocket"\n', 'use = "websocket"\nalso_serve = [{use = "webrtc", ice_host_addresses = "loopback"}]\n', 1
)


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedBot]:
    """``rtvi run`` of the playground's test bot, serving WebRTC too (the transport switch's other side).

    The page uses the stock ``SmallWebRTCTransport`` with the stock ``WavMediaManager`` (the
    default one loads Daily's bundle from a CDN); the bot gathers loopback candidates only and
    Chromium runs with ``--allow-loopback-in-peer-connection``: media stays on 127.0.0.1.
    """
    pytest.importorskip("rtvi_webrtc", reason="the WebRTC side of the switch is rtvi-webrtc's")
    bot = tmp_path_factory.mktemp("playground-webrtc") / "bot.toml"
    bot.write_text(BOTH)
    with served_bot(str(bot)) as server:
        yield server


def test_the_switch_offers_what_the_server_serves(node: str, server: ServedBot, tmp_path: Path) -> None:
    run = drive(node, server, "bot-audio", tmp_path)  # a websocket-only bot
    first = next(iter(run.steps.values()))
    assert first["transports"] == [["websocket", True], ["webrtc", False]] and first["transport"] == "websocket"


def test_a_conversation_over_webrtc(node: str, both: ServedBot, tmp_path: Path) -> None:
    run = drive(node, both, "webrtc", tmp_path)
    steps = run.steps
    chosen = steps["chosen"]
    assert chosen["transports"] == [["websocket", True], ["webrtc", True]]
    assert (chosen["transport"], chosen["transportEnabled"]) == ("webrtc", True)

    ready = steps["ready"]
    assert ready["state"] == "ready" and ready["message"] is None and not ready["transportEnabled"]
    assert ("bot", GREETING) in turns(ready)
    assert ready["log"].index(["out", "client-ready"]) < ready["log"].index(["in", "bot-ready"])

    replied = steps["replied"]
    user_at = turns(replied).index(("user", "tell me about tomatoes"))
    assert turns(replied)[user_at + 1] == ("bot", "You said: tell me about tomatoes")
    assert replied["botAudio"]["energy"] > ready["botAudio"]["energy"]  # the reply was heard, not only silence
    assert replied["botAudio"]["sampleRate"] == replied["botAudio"]["playerRate"] == 48000  # Opus
    assert replied["botAudio"]["frames"] > 0  # RTP packets

    assert "user-started-speaking" in log_types(steps["mic-on"])  # the fake microphone went out as Opus
    gone = steps["disconnected"]
    assert gone["state"] == "disconnected" and gone["transportEnabled"]
    assert run.done["pageErrors"] == [] and run.done["websockets"] == []  # WebRTC only: no socket opened


def test_build_hook_detects_stale_sources_and_missing_npm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "plugin"
    shutil.copytree(
        PLUGIN / "playground", root / "playground", ignore=shutil.ignore_patterns("node_modules", ".build.lock")
    )
    out = root / hatch_build.OUTPUT
    out.mkdir(parents=True)
    for name in hatch_build.BUILT:
        (out / name).write_text("built")
    (out / hatch_build.STAMP).write_text(hatch_build.source_hash(root))
    assert hatch_build.is_fresh(root)
    assert hatch_build.build_playground(root) is False  # fresh: npm is not needed

    (root / "playground" / "src" / "playground.css").write_text("body { color: red; }\n")
    assert not hatch_build.is_fresh(root)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(hatch_build.PlaygroundBuildError, match=r"needs npm .*`apt-get install -y nodejs npm`"):
        hatch_build.build_playground(root)

    (out / "playground.js").unlink()
    shutil.rmtree(root / "playground")
    with pytest.raises(hatch_build.PlaygroundBuildError, match=r"not built and its sources .* are missing"):
        hatch_build.build_playground(root)
