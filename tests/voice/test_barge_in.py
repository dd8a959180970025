"""Barge-in: the user speaks while the bot is speaking."""

from __future__ import annotations

import anyio
import pytest
from voice_support import audio_seconds, speech_frames, voice_client, voice_server

from rtvi_core.testing.speech import load_speech

pytestmark = pytest.mark.anyio

#: Only a sanity bound: the measured figure is reported, not asserted tightly.
SANITY_BOUND_SECS = 3.0


async def test_speech_while_the_bot_speaks_interrupts_it(record_property: pytest.RecordProperty) -> None:
    question, interruption = load_speech("weather-question"), load_speech("interrupt")
    async with voice_server() as server, voice_client(server.port) as client:
        _, question_end = await client.say(speech_frames(question))
        asked = await client.wait_for("user-transcription", after=question_end, timeout=40, final=True)
        speaking = await client.wait_for("bot-started-speaking", after=question_end, timeout=40)
        await anyio.sleep(0.4)  # the bot is a few words into "You said: What is the weather..."
        barge_in, _ = await client.say(speech_frames(interruption))
        interrupted = await client.wait_for("bot-interrupted", after=barge_in)
        stopped = await client.wait_for("bot-stopped-speaking", after=speaking.at)
        heard = await client.wait_for("user-transcription", after=barge_in, timeout=30, final=True)
        answer = await client.wait_for("bot-started-speaking", after=stopped.at, timeout=30)

    received = client.received
    # No bot audio before the user's turn ended (its final transcript), nor, once the bot
    # was interrupted, before its next answer starts: the interrupted reply sends no more.
    audio = [i for i, item in enumerate(received) if item.type == "audio"]
    assert audio[0] > received.index(asked)
    assert not [i for i in audio if received.index(interrupted) < i < received.index(answer)]
    first_reply = received[received.index(speaking) : received.index(answer)]
    old_audio = [item for item in first_reply if item.type == "audio"]
    assert old_audio, "the bot never spoke before the barge-in"
    last_old_audio = max(item.at for item in old_audio)

    # The reply is cut short: its last words never reach the client as spoken.
    spoken_words = [i.data["data"]["text"] for i in first_reply if i.type == "bot-tts-text"]
    assert "today?" not in spoken_words, spoken_words
    assert audio_seconds(old_audio) < 2.5  # the whole reply is about 3 s of audio
    assert interrupted.at >= speaking.at and stopped.at >= interrupted.at
    assert "stop" in heard.data["data"]["text"].lower()

    audio_stop = last_old_audio - barge_in
    record_property("barge_in_interrupted_s", round(interrupted.at - barge_in, 3))
    record_property("barge_in_audio_stop_s", round(audio_stop, 3))
    print(
        f"barge-in: bot-interrupted {interrupted.at - barge_in:.3f} s after the user started speaking, "
        f"last bot audio frame {audio_stop:.3f} s after ({last_old_audio - interrupted.at:+.3f} s from "
        f"bot-interrupted), {audio_seconds(old_audio):.2f} s of the reply played"
    )
    assert audio_stop < SANITY_BOUND_SECS
