"""Turn end by transcript, as the stock client sees it (issue 13): the order of the events.

The bot is the default bot's voice stack (Silero, Whisper tiny.en incremental, the echo LLM,
Piper) with ``[turn] use = "text"``: the VAD stops at a 0.2 s pause, and the turn ends there
when the transcript is a whole utterance. For the question, its ``[turn] stop_secs`` is
longer than any step may wait, so a turn the analyzer holds never ends by the timeout during
the test: the turn ended by its transcript. For the sentence that goes on, what matters is
that its first part does not end the turn; how its end is heard depends on Whisper tiny.en's
punctuation of the last words (without a final mark the text rule holds the turn), so that
bot's turns also end after 3 s of silence. No timing is asserted.

* A question ("What is the weather like in Paris today?"): interim transcripts, the final
  one, then the end of the turn, then the answer; no bot audio before the turn ended.
* A sentence that trails off and goes on after 0.7 s ("Please send the report to ... my
  manager by Friday."): the first part's final transcript ("... report to.") does not end
  the turn; the second part joins it, and the echo answers both in one reply.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_stock_clients import passed, run_node_client, write_wav

from rtvi_core.testing.served import ServedBot, served_bot
from rtvi_core.testing.speech import load_speech

pytestmark = pytest.mark.rtvi_plugins

BOT = """\
[bot]
name = "turn-end"
speak_first = false

[transport]
use = "websocket"

[vad]
use = "silero"
stop_secs = 0.2

[turn]
use = "text"
stop_secs = {turn_stop_secs}

[stt]
use = "whisper"

[llm]
use = "echo"

[tts]
use = "piper"
"""

SAY_AND_ANSWER = [
    {"op": "connect"},
    {"op": "say"},
    {"op": "waitFor", "event": "userStoppedSpeaking"},
    {"op": "waitFor", "event": "botStartedSpeaking"},
    {"op": "waitFor", "event": "botStoppedSpeaking"},
    {"op": "disconnectBot"},
    {"op": "waitFor", "event": "disconnected"},
]


def serve(tmp_path_factory: pytest.TempPathFactory, turn_stop_secs: float) -> Iterator[ServedBot]:
    from rtvi_core.cli.run_cmd import default_served_bot
    from rtvi_core.plugins import get_plugin_manager

    _, missing = default_served_bot(get_plugin_manager(autoload=True).registry)
    if missing:
        pytest.skip(f"the default bot's voice plugins are not installed: {'; '.join(missing)}")
    bot_file = tmp_path_factory.mktemp("turn-end") / "bot.toml"
    bot_file.write_text(BOT.format(turn_stop_secs=turn_stop_secs))
    with served_bot(str(bot_file), startup_timeout=120) as server:
        yield server


@pytest.fixture
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedBot]:
    """Turns end by their transcript only (within the test)."""
    yield from serve(tmp_path_factory, 3600)


@pytest.fixture
def patient_bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedBot]:
    """Turns end by their transcript, or after 3 s of silence."""
    yield from serve(tmp_path_factory, 3)


def spoken_turn(bot: ServedBot, tmp_path: Path, clip_name: str) -> list[dict[str, Any]]:
    """The events of one session in which the stock client says ``clip_name`` and hears the answer."""
    clip = load_speech(clip_name)
    wav = write_wav(tmp_path / f"{clip_name}.wav", clip.pcm, clip.sample_rate)
    events = passed(run_node_client(bot, SAY_AND_ANSWER, "--say-wav", str(wav), "--log-audio"), bot)
    return [e for e in events if e["event"] not in ("step", "botAudioLevel", "localAudioLevel", "remoteAudioLevel")]


def first(names: list[str], name: str) -> int:
    return names.index(name)


def check_turn_order(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One user turn, then its answer: returns the turn's final transcripts."""
    names = [e["event"] for e in events]
    stopped = first(names, "userStoppedSpeaking")
    assert names.count("userStartedSpeaking") == 1 and names.count("userStoppedSpeaking") == 1, names
    assert first(names, "userStartedSpeaking") < stopped
    transcripts = [(i, e["data"]) for i, e in enumerate(events) if e["event"] == "userTranscript"]
    interims = [i for i, data in transcripts if not data["final"]]
    finals = [(i, data) for i, data in transcripts if data["final"]]
    assert interims and finals, transcripts
    assert interims[0] < finals[0][0], names  # interim transcripts come before the final one
    # the turn ended on its final transcript, not before: no answer, no bot audio before the end
    assert finals[-1][0] < stopped, names
    for answer in ("botLlmStarted", "botLlmText", "botTtsStarted", "botStartedSpeaking", "botAudio"):
        assert first(names, answer) > stopped, (answer, names)
    return [data for _, data in finals]


def reply(events: list[dict[str, Any]]) -> str:
    return "".join(e["data"]["text"] for e in events if e["event"] == "botLlmText")


def test_a_complete_question_ends_the_turn_at_the_pause(bot: ServedBot, tmp_path: Path) -> None:
    events = spoken_turn(bot, tmp_path, "weather-question")
    (final,) = check_turn_order(events)
    assert final["text"].rstrip().endswith("?"), final
    answer = reply(events)
    assert answer.startswith("You said:") and "weather" in answer.lower(), answer


def test_a_sentence_that_trails_off_holds_the_turn_until_it_goes_on(patient_bot: ServedBot, tmp_path: Path) -> None:
    events = spoken_turn(patient_bot, tmp_path, "report-after-a-pause")
    finals = check_turn_order(events)
    # two stretches of speech, one turn: the first ("Please send the report to.") did not end it
    assert len(finals) == 2, finals
    assert "report to" in finals[0]["text"].lower() and "friday" in finals[1]["text"].lower(), finals
    answer = reply(events).lower()
    assert answer.startswith("you said:") and "report to" in answer and "friday" in answer, answer
