"""The stock SmallWebRTC client from npm, in Debian's headless Chromium, against ``rtvi run`` (issue 12).

``rtvi run bot.toml --port 0`` serves a fast, deterministic bot over WebRTC (energy VAD,
echo LLM with its greeting, tone TTS, and the ``dice`` action of ``docs/writing-an-action.md``)
on 127.0.0.1. The page (``js/stock-page``: the stock
``@pipecat-ai/client-js`` 1.13.1 + ``@pipecat-ai/small-webrtc-transport`` 1.10.8 of
``js/package-lock.json``, bundled by the shared harness's ``stock-page.mjs``, see
``tests/browser/`` at the repo root) is served on another loopback port, as a client app's
dev server, and calls ``startBotAndConnect({endpoint: "http://127.0.0.1:P/start"})``: a
cross-origin ``POST /start`` with a CORS preflight, the offer to
``/sessions/{id}/api/offer``, then RTVI on the "chat" data channel, Chromium's fake
microphone (a speech WAV) in and the bot's Opus track out, which the page plays in an
``<audio>`` element and measures with ``getStats`` (inbound-rtp ``totalAudioEnergy``).

The same conversation (handshake, the microphone's question heard by the bot's VAD, a
``client-message`` answered by the action, a text turn answered with audio) runs twice:
with the client's defaults (an offer without candidates, then trickled candidates by
``PATCH``), ended by the page (``client.disconnect()``); and as Pipecat's prebuilt UI
does (``waitForICEGathering: true``: every candidate in the offer; its ``/start`` body),
ended by the bot (``disconnect-bot``). Each time ``/health`` must count no session and no peer connection
after. Chromium gathers loopback candidates (``--allow-loopback-in-peer-connection``, no
mDNS names: ``chromium.mjs``); the server offers and accepts loopback ones only, so media
goes to its 127.0.0.1 socket and never leaves the machine.

The microphone goes through the stock ``WavMediaManager``: the transport's default
``DailyMediaManager`` loads Daily's call-machine bundle from ``c.daily.co`` at connect,
which a page limited to loopback cannot (see ``js/stock-page/page.mjs``). Each run leaves
the page's events, its console and the bot's log in the test's tmp dir.
"""

from __future__ import annotations

import json
import socket
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import browser_support as browser
import pytest

from rtvi_core.testing.served import ServedBot, served_bot
from rtvi_core.testing.speech import load_speech, silence

pytestmark = pytest.mark.rtvi_plugins

JS = Path(__file__).parent / "js"
#: The packages ``js/package.json`` pins.
STOCK_VERSIONS = {"@pipecat-ai/client-js": "1.13.1", "@pipecat-ai/small-webrtc-transport": "1.10.8"}
#: Seconds each step of a script may wait; the whole run.
STEP_TIMEOUT_SECS = 20
RUN_TIMEOUT_SECS = 120
TEXT = "tell me about tomatoes"
DOC = Path(__file__).parents[3] / "docs" / "writing-an-action.md"
BOT = """\
[bot]
name = "webrtc-page-test-bot"
local_actions = ["dice"]

[transport]
use = "webrtc"
ice_host_addresses = "loopback"

[vad]
use = "energy"

[llm]
use = "echo"
token_delay = 0.01

[tts]
use = "tone"

[[actions]]
use = "dice"
"""


def doc_action() -> str:
    """The code of ``docs/writing-an-action.md``'s "smallest action" (``dice``), as a reader copies it."""
    section = DOC.read_text().split("## The smallest action", 1)[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


@pytest.fixture(scope="module")
def node() -> str:
    """``node``, with the shared harness's packages and the stock client of ``js/`` installed."""
    node = str(browser.browser_node())
    browser.node_with(JS, STOCK_VERSIONS, ignore_scripts=True)
    return node


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedBot]:
    """``rtvi run BOT --port 0`` on loopback (with the doc's action), until the module's tests are done."""
    folder = tmp_path_factory.mktemp("webrtc-page")
    (folder / "dice.py").write_text(doc_action())
    bot_file = folder / "bot.toml"
    bot_file.write_text(BOT)
    with served_bot(str(bot_file)) as server:
        yield server


@pytest.fixture(scope="module")
def mic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What the fake microphone plays from when the page opens it (at connect), in a loop:
    a lead-in (the handshake happens meanwhile), the question once, then a pause longer
    than the test (so the user does not talk over the bot's answer to the text)."""
    question = load_speech("weather-question")
    rate = question.sample_rate
    pcm = silence(2.0, rate) + question.pcm + silence(60.0, rate)
    return Path(browser.write_wav(tmp_path_factory.mktemp("mic") / "question-then-pause.wav", pcm, rate))


def is_local(address: str) -> bool:
    """True when ``address`` is one of this machine's own (a UDP socket can be bound to it)."""
    with socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.bind((address, 0))
        except OSError:
            return False
    return True


def health(bot: ServedBot) -> dict[str, Any]:
    with urllib.request.urlopen(f"{bot.url}health", timeout=5) as reply:
        return dict(json.loads(reply.read()))


def until_idle(bot: ServedBot, timeout: float = 15) -> dict[str, Any]:
    """``/health`` once it counts no session and no peer connection; fails with the last one."""
    deadline = time.monotonic() + timeout
    while (now := health(bot))["sessions"] != 0 or now["peer_connections"] != 0:
        assert time.monotonic() < deadline, f"the session was not released: /health = {now}"
        time.sleep(0.1)
    return now


CONVERSATION = [
    {"op": "connect"},
    # the fake microphone's question starts a user turn (the energy VAD of the bot)
    {"op": "waitFor", "event": "userStartedSpeaking"},
    {"op": "waitFor", "event": "userStoppedSpeaking"},
    {"op": "expectAudio", "minBytes": 0},  # what the page played so far (the greeting)
    # a client-message answered by the action, over the data channel
    {"op": "request", "t": "dice", "d": {"sides": 20, "count": 3}},
    {"op": "sendText", "text": TEXT},
    {"op": "waitFor", "event": "botStartedSpeaking"},
    {"op": "waitFor", "event": "botStoppedSpeaking"},
    # the tone TTS's answer, decoded and played by the page (energy of the samples it played)
    {"op": "expectAudio", "minEnergy": 1e-4},
]


#: What Pipecat's prebuilt UI sends: its ``POST /start`` body and transport options.
PREBUILT = {
    "requestData": {"createDailyRoom": False, "enableDefaultIceServers": True, "transport": "webrtc"},
    "transport": {"waitForICEGathering": True},
}


@pytest.mark.parametrize(
    ("page_options", "hang_up"),
    [
        pytest.param({}, "disconnect", id="trickle-by-patch-page-hangs-up"),
        pytest.param(PREBUILT, "disconnectBot", id="wait-for-ice-gathering-bot-hangs-up"),
    ],
)
def test_stock_client_in_chromium(
    node: str, bot: ServedBot, mic: Path, tmp_path: Path, page_options: dict[str, Any], hang_up: str
) -> None:
    """Handshake (``bot-ready`` 2.2.0), the microphone's speech starting a user turn, the action's
    answer, a text turn answered with audio the page plays (its decoded energy grows), then
    the end: the page hangs up (``client.disconnect()``) or asks the bot to (``disconnect-bot``);
    either way the server releases the session and its peer connection."""
    script = [*CONVERSATION, {"op": hang_up}, {"op": "waitFor", "event": "disconnected"}]
    page_dir = tmp_path / "app"
    with browser.dev_server(page_dir, host="127.0.0.1") as app:
        done = browser.run_stock_page(
            node,
            page_source=JS / "stock-page",
            page_dir=page_dir,
            page_url=f"{app}/index.html",
            start_url=f"{bot.url}start",
            script=script,
            step_timeout=STEP_TIMEOUT_SECS,
            run_timeout=RUN_TIMEOUT_SECS,
            mic_wav=mic,
            page_options=page_options,
        )
    events = browser.events_of(done)
    # for a reader of a failure (or a pass): what the page saw and said, and the bot's log
    (tmp_path / "events.json").write_text(json.dumps(events, indent=1))
    (tmp_path / "bot.log").write_text("".join(bot.log))
    (tmp_path / "page.err").write_text(done.stderr)
    assert done.returncode == 0 and events and events[-1]["event"] == "done", (
        f"the stock client failed: {events[-1] if events else done.returncode}\n"
        f"stderr:\n{done.stderr[-3000:]}\nbot log:\n{''.join(bot.log[-40:])}"
    )
    names = [event["event"] for event in events]
    assert "error" not in names and "messageError" not in names  # no RTVI error from the bot

    ready = events[names.index("botReady")]["data"]
    assert ready["version"] == "2.2.0"
    assert names.index("botReady") < names.index("userStartedSpeaking") < names.index("userStoppedSpeaking")

    rolled = next(event["data"] for event in events if event["event"] == "clientRequestResult")
    assert len(rolled["rolls"]) == 3 and all(1 <= roll <= 20 for roll in rolled["rolls"])
    assert rolled["total"] == sum(rolled["rolls"])

    asked = next(i for i, event in enumerate(events) if event["event"] == "step" and event["data"]["op"] == "sendText")
    said = "".join(event["data"]["text"] for event in events[asked:] if event["event"] == "botLlmText")
    assert asked < names.index("botStartedSpeaking", asked) < names.index("botStoppedSpeaking", asked)
    assert said.startswith(f"You said: {TEXT}"), said
    before, heard = (event["data"]["received"] for event in events if event["event"] == "audioSummary")
    assert heard["energy"] > before["energy"] and heard["samples"] > before["samples"], (before, heard)
    # media on loopback: to the server's 127.0.0.1 candidate, from one of this machine's own
    # addresses (Chromium also gathers on the other interfaces; the server learns that source
    # as a peer-reflexive candidate, but only a local process can reach its loopback socket)
    pair = heard["pair"]
    assert pair["remote"] == "127.0.0.1" and pair["protocol"] == "udp" and is_local(pair["local"]), pair

    page = events[-1]["data"]
    assert page["pageOrigin"] == app and page["pageOrigin"] != bot.url.rstrip("/")  # a cross-origin page
    assert len(page["botTracks"]) == 1 and page["peerConnections"] == ["closed"]
    assert page["external"] == [] and page["pageErrors"] == [] and page["websockets"] == []
    until_idle(bot)


VOICE_BOT = """\
[bot]
name = "webrtc-voice-test-bot"

[transport]
use = "webrtc"
ice_host_addresses = "loopback"

[vad]
use = "silero"

[stt]
use = "whisper"

[llm]
use = "echo"
token_delay = 0.01

[tts]
use = "piper"
"""

#: The fake microphone's question, heard by Silero, transcribed by Whisper, echoed, spoken by Piper.
SPOKEN_QUESTION = [
    {"op": "connect"},
    {"op": "waitFor", "event": "userTranscript", "where": {"final": True}},
    {"op": "waitFor", "event": "botStartedSpeaking"},
    {"op": "waitFor", "event": "botStoppedSpeaking"},
    {"op": "expectAudio", "minEnergy": 1e-4},
    {"op": "disconnect"},
    {"op": "waitFor", "event": "disconnected"},
]


def test_a_spoken_question_is_answered_with_speech_the_page_plays(node: str, mic: Path, tmp_path: Path) -> None:
    """The default voice stack over WebRTC: the page's microphone (Opus) → Silero → Whisper →
    the echo LLM → Piper → the bot's Opus track, decoded and played by the page."""
    from rtvi_core.plugins import get_plugin_manager

    registry = get_plugin_manager().registry
    missing = [
        name
        for kind, name in (("vad", "silero"), ("stt", "whisper"), ("tts", "piper"))
        if not registry.find(kind, name)
    ]
    if missing:
        pytest.skip(f"voice plugins not installed: {', '.join(missing)} (requirements/test.txt installs them)")
    bot_file = tmp_path / "voice-bot.toml"
    bot_file.write_text(VOICE_BOT)
    with served_bot(str(bot_file)) as bot, browser.dev_server(tmp_path / "app", host="127.0.0.1") as app:
        done = browser.run_stock_page(
            node,
            page_source=JS / "stock-page",
            page_dir=tmp_path / "app",
            page_url=f"{app}/index.html",
            start_url=f"{bot.url}start",
            script=SPOKEN_QUESTION,
            step_timeout=60,
            run_timeout=RUN_TIMEOUT_SECS,
            mic_wav=mic,
            page_options={},
        )
        events = browser.events_of(done)
        (tmp_path / "events.json").write_text(json.dumps(events, indent=1))
        assert done.returncode == 0 and events and events[-1]["event"] == "done", (
            f"the stock client failed: {events[-1] if events else done.returncode}\n"
            f"stderr:\n{done.stderr[-3000:]}\nbot log:\n{''.join(bot.log[-40:])}"
        )
        heard = next(e["data"] for e in events if e["event"] == "userTranscript" and e["data"]["final"])
        assert "weather" in heard["text"].lower(), heard
        answer = "".join(e["data"]["text"] for e in events if e["event"] == "botLlmText")
        assert "weather" in answer.lower(), answer
        audio = [e["data"]["received"] for e in events if e["event"] == "audioSummary"]
        assert audio and audio[-1]["energy"] > 0 and audio[-1]["samples"] > 24000, audio  # > 0.5 s of speech played
        until_idle(bot)
