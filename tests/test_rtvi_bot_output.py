"""``bot-output`` / ``bot-tts-text`` (spec §7, §17.1 items 5–6; checklist §20 items 42–49).

Frames are queued in the order a TTS service produces them (shared frame
contract) and reach the client through the real memory output transport, which
releases the text frames in step with the audio and drives the speaking state.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from rtvi_observer_support import Session, audio, observed

from rtvi_core.frames import (
    AggregatedTextFrame,
    Frame,
    InterruptionFrame,
    TTSStartedFrame,
    TTSStoppedFrame,
    TTSTextFrame,
    UserStartedSpeakingFrame,
)
from rtvi_core.rtvi.observer_params import RTVIObserverParams

pytestmark = pytest.mark.anyio

TEXT_EVENTS = ("bot-started-speaking", "bot-stopped-speaking", "bot-output", "bot-tts-text")


def word_mode(sentence: str, words: list[str]) -> tuple[AggregatedTextFrame, list[Frame]]:
    """A sentence spoken by a word-timestamp TTS: segment, then per word text + audio."""
    segment = AggregatedTextFrame(text=sentence, aggregated_by="sentence", will_be_spoken=True)
    frames: list[Frame] = [segment]
    for word in words:
        frames += [TTSTextFrame(text=word, aggregated_by="word", segment_id=segment.id), audio()]
    return segment, frames


def sentence_mode(sentence: str) -> tuple[AggregatedTextFrame, list[Frame]]:
    """A sentence spoken by a TTS without word timestamps: segment, audio, spoken text."""
    segment = AggregatedTextFrame(text=sentence, aggregated_by="sentence", will_be_spoken=True)
    spoken = TTSTextFrame(text=sentence, aggregated_by="sentence", segment_id=segment.id)
    return segment, [segment, audio(), audio(), spoken]


def summary(s: Session) -> list[Any]:
    """Speaking events and text events, compactly."""
    out: list[Any] = []
    for msg in s.events(*TEXT_EVENTS):
        data = msg.get("data")
        if msg["type"] == "bot-tts-text":
            out.append(("tts", data["text"]))
        elif msg["type"] == "bot-output":
            progress = data.get("spoken_progress")
            out.append(
                (
                    data["spoken_status"] if data["will_be_spoken"] else "unspoken",
                    data["text"],
                    progress and (progress["accumulated_text"], progress["remaining_text"]),
                )
            )
        else:
            out.append(msg["type"])
    return out


async def speak(s: Session, *frames: Frame) -> None:
    """Queue one reply (TTS started … stopped) and wait until the bot stopped speaking."""
    count = len(s.events("bot-stopped-speaking"))
    await s.queue(TTSStartedFrame(), *frames, TTSStoppedFrame())
    await s.client.wait_for(lambda: True if len(s.events("bot-stopped-speaking")) > count else None, 2.0)
    await s.sync()


# -- items 43, 44, 45: 2.x client with word timestamps ------------------------------------------


async def test_items43_44_45_word_timestamps_new_then_progress() -> None:
    async with observed() as s:
        segment, frames = word_mode("Hi there.", ["Hi", "there."])
        await speak(s, *frames)
        assert summary(s) == [
            "bot-started-speaking",
            ("new", "Hi there.", ("", "Hi there.")),
            ("tts", "Hi"),
            ("in-progress", "Hi there.", ("Hi", " there.")),
            ("tts", "there."),
            ("completed", "Hi there.", ("Hi there.", "")),
            "bot-stopped-speaking",
        ]
        outputs = [m["data"] for m in s.events("bot-output")]
        new, *progress = outputs
        # item 43
        assert new == {
            "text": "Hi there.",
            "output_type": "sentence",
            "text_type": "sentence",
            "aggregated_by": "sentence",
            "will_be_spoken": True,
            "segment_id": segment.id,
            "spoken": False,
            "spoken_status": "new",
            "spoken_progress": {"accumulated_text": "", "remaining_text": "Hi there."},
        }
        # item 44: same segment, full text, no `spoken` key
        assert all(p["segment_id"] == segment.id and "spoken" not in p for p in progress)
        # item 45: no word/token bot-output for a 2.x client
        assert all(o["output_type"] not in ("word", "token") for o in outputs)
        assert all(o["output_type"] == o["text_type"] == o["aggregated_by"] for o in outputs)


async def test_progress_is_monotonic_and_tolerates_unmatched_words() -> None:
    async with observed() as s:
        _, frames = word_mode("It costs $5, ok? ", ["It", "costs", "five", "dollars,", "ok?"])
        await speak(s, *frames)
        progress = [m["data"]["spoken_progress"] for m in s.events("bot-output")][1:]
        accumulated = [p["accumulated_text"] for p in progress]
        assert all(len(a) <= len(b) for a, b in itertools.pairwise(accumulated))
        text = "It costs $5, ok? "
        assert all(p["accumulated_text"] + p["remaining_text"] == text for p in progress[:-1])
        assert progress[-1] == {"accumulated_text": "It costs $5, ok? ", "remaining_text": ""}
        statuses = [m["data"]["spoken_status"] for m in s.events("bot-output")]
        assert statuses.count("completed") == 1 and statuses[-1] == "completed"


# -- item 46: 1.x client ------------------------------------------------------------------------


async def test_item46_legacy_client_gets_word_events_and_no_progress() -> None:
    async with observed() as s:
        await s.ready("1.4.0")
        segment, frames = word_mode("Hi there.", ["Hi", "there."])
        await speak(s, *frames)
        outputs = [m["data"] for m in s.events("bot-output")]
        assert [o["spoken_status"] for o in outputs] == ["new", "completed", "completed"]
        words = outputs[1:]
        assert [w["text"] for w in words] == ["Hi", "there."]
        assert all(
            w["aggregated_by"] == "word" and w["spoken"] is True and w["segment_id"] == segment.id for w in words
        )
        assert [m["data"]["text"] for m in s.events("bot-tts-text")] == ["Hi", "there."]


# -- item 47: no word timestamps ------------------------------------------------------------------


async def test_item47_sentence_mode_completed_then_tts_text() -> None:
    async with observed() as s:
        first, frames1 = sentence_mode("Hello.")
        second, frames2 = sentence_mode(" How are you?")
        await speak(s, *frames1, *frames2)
        assert summary(s) == [
            "bot-started-speaking",
            ("new", "Hello.", ("", "Hello.")),
            ("completed", "Hello.", ("Hello.", "")),
            ("tts", "Hello."),
            ("new", " How are you?", ("", " How are you?")),
            ("completed", " How are you?", (" How are you?", "")),
            ("tts", " How are you?"),
            "bot-stopped-speaking",
        ]
        completed = [m["data"] for m in s.events("bot-output") if m["data"]["spoken_status"] == "completed"]
        assert [c["spoken"] for c in completed] == [True, True]
        assert [c["segment_id"] for c in completed] == [first.id, second.id]


# -- item 48: unspoken text -------------------------------------------------------------------------


async def test_item48_unspoken_text_and_its_shape() -> None:
    """Pipecat 1.14 marks unspoken text ``new`` too (2.1.0 left ``spoken_status`` out)."""
    async with observed() as s:
        code = AggregatedTextFrame(text="print(1)", aggregated_by="code", will_be_spoken=False)
        await s.queue(code)
        await s.sync()
        # Nothing will be spoken, so it is not held back.
        assert s.events() == [
            {
                "type": "bot-output",
                "label": "rtvi-ai",
                "data": {
                    "text": "print(1)",
                    "output_type": "code",
                    "text_type": "code",
                    "aggregated_by": "code",
                    "segment_id": code.id,
                    "spoken": False,
                    "will_be_spoken": False,
                    "spoken_status": "new",
                },
            }
        ]


# -- tts-raw-text (protocol 2.2.0) -------------------------------------------------------------------


def raw_and_tts(s: Session) -> list[Any]:
    """bot-output statuses and the spoken text of ``tts-raw-text``/``bot-tts-text``, in order."""
    out: list[Any] = []
    for msg in s.events("bot-output", "tts-raw-text", "bot-tts-text"):
        data = msg["data"]
        out.append(data["spoken_status"] if msg["type"] == "bot-output" else (msg["type"], data["text"]))
    return out


@pytest.mark.parametrize("version", ["1.2.0", "2.1.0", "2.2.0"])
async def test_tts_raw_text_goes_before_bot_tts_text_for_2_2_clients(version: str) -> None:
    async with observed(RTVIObserverParams(tts_raw_text_enabled=True)) as s:
        await s.ready(version)
        _, frames = sentence_mode("Hello.")
        await speak(s, *frames)
        raw = [("tts-raw-text", "Hello.")] if version == "2.2.0" else []
        assert raw_and_tts(s) == ["new", "completed", *raw, ("bot-tts-text", "Hello.")]


async def test_tts_raw_text_per_word_precedes_progress() -> None:
    async with observed(RTVIObserverParams(tts_raw_text_enabled=True, bot_tts_enabled=False)) as s:
        await s.ready("2.2.0")
        _, frames = word_mode("Hi there.", ["Hi", "there."])
        await speak(s, *frames)
        assert raw_and_tts(s) == ["new", ("tts-raw-text", "Hi"), "in-progress", ("tts-raw-text", "there."), "completed"]


async def test_tts_raw_text_is_off_by_default() -> None:
    async with observed() as s:
        await s.ready("2.2.0")
        _, frames = sentence_mode("Hello.")
        await speak(s, *frames)
        assert not s.events("tts-raw-text")


# -- hold-back rule (§7.4, §17.1 item 5) ---------------------------------------------------------------


async def test_text_is_held_back_until_bot_started_speaking_and_keeps_order() -> None:
    async with observed() as s:
        segment = AggregatedTextFrame(text="One.", aggregated_by="sentence", will_be_spoken=True)
        aside = AggregatedTextFrame(text="[note]", aggregated_by="code", will_be_spoken=False)
        await s.queue(TTSStartedFrame(), segment, aside)
        await s.sync()
        assert s.events("bot-output") == []  # waiting for the bot to speak
        await s.queue(audio(), TTSTextFrame(text="One.", aggregated_by="sentence", segment_id=segment.id))
        await speak(s)
        assert summary(s) == [
            "bot-started-speaking",
            ("new", "One.", ("", "One.")),
            ("unspoken", "[note]", None),
            ("completed", "One.", ("One.", "")),
            ("tts", "One."),
            "bot-stopped-speaking",
        ]


async def test_hold_back_is_released_even_with_bot_speaking_events_off() -> None:
    async with observed(RTVIObserverParams(bot_speaking_enabled=False)) as s:
        _, frames = sentence_mode("Hi.")
        await s.queue(TTSStartedFrame(), *frames, TTSStoppedFrame())
        await s.wait_for("bot-tts-text")
        await s.sync()
        assert summary(s) == [
            ("new", "Hi.", ("", "Hi.")),
            ("completed", "Hi.", ("Hi.", "")),
            ("tts", "Hi."),
        ]


# -- item 49: interruptions ---------------------------------------------------------------------------


async def test_item49_held_back_text_is_dropped_on_interruption() -> None:
    async with observed() as s:
        stale = AggregatedTextFrame(text="Stale.", aggregated_by="sentence", will_be_spoken=True)
        await s.queue(TTSStartedFrame(), stale)
        await s.sync()
        await s.queue(UserStartedSpeakingFrame(), InterruptionFrame())
        await s.sync()
        _, frames = sentence_mode("Fresh.")
        await speak(s, *frames)
        assert [o["data"]["text"] for o in s.events("bot-output")] == ["Fresh.", "Fresh."]


async def test_item49_barge_in_during_speech() -> None:
    async with observed(realtime=True) as s:
        segment = AggregatedTextFrame(text="One two three.", aggregated_by="sentence", will_be_spoken=True)
        frames: list[Frame] = [TTSStartedFrame(), segment]
        for word in ("One", "two", "three."):
            frames += [TTSTextFrame(text=word, aggregated_by="word", segment_id=segment.id), audio(0.4)]
        await s.queue(*frames, TTSStoppedFrame())
        await s.wait_for("bot-tts-text", text="One")
        await s.queue(UserStartedSpeakingFrame(), InterruptionFrame())
        await s.wait_for("bot-stopped-speaking")
        await s.sync()
        types = s.types()
        barge_in = types[types.index("user-started-speaking") :]
        assert barge_in == ["user-started-speaking", "bot-interrupted", "bot-stopped-speaking"]
        assert ("tts", "three.") not in summary(s)
        last_progress = s.events("bot-output")[-1]["data"]
        assert last_progress["spoken_status"] == "in-progress"
        assert last_progress["spoken_progress"]["remaining_text"] != ""


# -- flags, skip types, transforms (§7.3, §7.5) ----------------------------------------------------------


async def test_bot_output_disabled_keeps_tts_text() -> None:
    async with observed(RTVIObserverParams(bot_output_enabled=False)) as s:
        _, frames = word_mode("Hi there.", ["Hi", "there."])
        await speak(s, *frames)
        assert summary(s) == [
            "bot-started-speaking",
            ("tts", "Hi"),
            ("tts", "there."),
            "bot-stopped-speaking",
        ]


async def test_bot_tts_disabled_keeps_bot_output() -> None:
    async with observed(RTVIObserverParams(bot_tts_enabled=False)) as s:
        _, frames = sentence_mode("Hi.")
        await speak(s, *frames)
        assert s.types("bot-tts-text", "bot-tts-started", "bot-tts-stopped") == []
        assert len(s.events("bot-output")) == 2


async def test_skip_aggregator_types_hide_segments_and_their_words() -> None:
    async with observed(RTVIObserverParams(skip_aggregator_types=["code"])) as s:
        code = AggregatedTextFrame(text="x = 1", aggregated_by="code", will_be_spoken=True)
        frames = [code, TTSTextFrame(text="x", aggregated_by="word", segment_id=code.id), audio()]
        unspoken = AggregatedTextFrame(text="y = 2", aggregated_by="code", will_be_spoken=False)
        _, spoken = sentence_mode("Done.")
        await speak(s, *frames, unspoken, *spoken)
        assert summary(s) == [
            "bot-started-speaking",
            ("new", "Done.", ("", "Done.")),
            ("completed", "Done.", ("Done.", "")),
            ("tts", "Done."),
            "bot-stopped-speaking",
        ]


async def test_transforms_four_argument_form_and_runtime_add_remove() -> None:
    calls: list[tuple[Any, ...]] = []

    async def shout(text: str, aggregated_by: str, accumulated: str | None, remaining: str | None) -> dict:
        calls.append((text, aggregated_by, accumulated, remaining))
        result = {"text": text.upper()}
        if accumulated is not None:
            result.update(accumulated_text=accumulated.upper(), remaining_text=(remaining or "").upper())
        return result

    async with observed(RTVIObserverParams(bot_output_transforms=[("sentence", shout)])) as s:
        _, frames = word_mode("Hi there.", ["Hi", "there."])
        await speak(s, *frames)
        assert summary(s) == [
            "bot-started-speaking",
            ("new", "HI THERE.", ("", "HI THERE.")),
            ("tts", "Hi"),  # the word's own type ("word") has no transform
            ("in-progress", "HI THERE.", ("HI", " THERE.")),
            ("tts", "there."),
            ("completed", "HI THERE.", ("HI THERE.", "")),
            "bot-stopped-speaking",
        ]
        assert calls[0] == ("Hi there.", "sentence", None, None)
        assert calls[1] == ("Hi there.", "sentence", "Hi", " there.")

        observer = s.task.rtvi_observer
        observer.remove_bot_output_transformer(shout, "sentence")
        _, frames = sentence_mode("calm.")
        await speak(s, *frames)
        assert summary(s)[-4:] == [
            ("new", "calm.", ("", "calm.")),
            ("completed", "calm.", ("calm.", "")),
            ("tts", "calm."),
            "bot-stopped-speaking",
        ]


async def test_transforms_deprecated_two_argument_form_applies_to_every_string() -> None:
    async def redact(text: str, aggregated_by: str) -> str:
        return text.replace("1234", "****")

    async with observed() as s:
        s.task.rtvi_observer.add_bot_output_transformer(redact)  # "*": every type
        _, frames = word_mode("PIN 1234 ok", ["PIN", "1234", "ok"])
        await speak(s, *frames)
        texts = [str(m["data"]) for m in s.events("bot-output", "bot-tts-text")]
        assert texts and not any("1234" in t for t in texts)
        assert [m["data"]["text"] for m in s.events("bot-tts-text")] == ["PIN", "****", "ok"]
        progress = [m["data"]["spoken_progress"] for m in s.events("bot-output")]
        assert progress[2] == {"accumulated_text": "PIN ****", "remaining_text": " ok"}


async def test_text_frames_count_only_when_pushed_by_the_output_transport() -> None:
    async with observed() as s:
        _, frames = sentence_mode("Once.")
        await speak(s, *frames)
        # Each frame crossed several hops (RTVI, input, output) but is reported once.
        assert [m["data"]["spoken_status"] for m in s.events("bot-output")] == ["new", "completed"]
        assert len(s.events("bot-tts-text")) == 1
