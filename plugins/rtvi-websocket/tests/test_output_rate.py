"""The bot's output sample rate on the wire: ``[rtvi.pipeline] audio_out_sample_rate``, or ``[transport]``'s.

The test bot speaks with the tone TTS, whose audio length for a text is known
exactly at any rate, so each session's audio frames can be checked for their rate,
their 40 ms size and the total length of the reply.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from rtvi_websocket.protobuf import PbAudioRawFrame
from server_support import HERE, bot_text, client, serving

from rtvi_core.builtins.tone_tts import word_tone
from rtvi_core.config.errors import BotFileError
from rtvi_core.config.loader import load_bot_text
from rtvi_core.plugins.manager import PluginManager

pytestmark = [pytest.mark.anyio, pytest.mark.rtvi_plugins]


def spoken_samples(text: str, rate: int) -> int:
    """Samples of the tone TTS's audio of ``text`` at ``rate``."""
    return sum(len(word_tone(word, rate)) // 2 for word in text.split())


async def spoken_reply(pipeline: dict[str, int], **transport: int) -> tuple[str, list[PbAudioRawFrame]]:
    """The text of the test bot's reply to "ok" in one session, and the audio frames it was spoken in."""
    async with serving(bot=bot_text(pipeline, **transport)) as server, client(server) as bot:
        await bot.ready()
        await bot.send("send-text", {"content": "ok", "options": {"run_immediately": True}})
        await bot.wait_for("bot-stopped-speaking")
    text = "".join(message["data"]["text"] for message in bot.messages if message["type"] == "bot-llm-text")
    return text, bot.audio


@pytest.mark.parametrize("rate", [8000, 16000, 22050, 44100, 48000])
async def test_audio_leaves_at_the_pipeline_rate_in_40_ms_frames(rate: int) -> None:
    text, audio = await spoken_reply({"audio_out_sample_rate": rate})
    assert {(frame.sample_rate, frame.num_channels) for frame in audio} == {(rate, 1)}
    chunk = rate // 100 * 4 * 2  # 40 ms of mono PCM16
    assert {len(frame.audio) for frame in audio[:-1]} == {chunk}
    assert 0 < len(audio[-1].audio) <= chunk
    assert sum(len(frame.audio) for frame in audio) // 2 == spoken_samples(text, rate)  # all of it, nothing added


async def test_the_transport_rate_wins_and_the_audio_is_resampled() -> None:
    text, audio = await spoken_reply({"audio_out_sample_rate": 48000}, audio_out_sample_rate=16000)
    assert {(frame.sample_rate, frame.num_channels) for frame in audio} == {(16000, 1)}
    assert {len(frame.audio) for frame in audio[:-1]} == {1280}
    samples = sum(len(frame.audio) for frame in audio) // 2
    assert abs(samples - spoken_samples(text, 48000) / 3) <= 16  # the same length, within 1 ms


def test_rtvi_run_refuses_an_output_rate_it_cannot_send(tmp_path: Path) -> None:
    bot = tmp_path / "bot.toml"
    bot.write_text(bot_text({"audio_out_sample_rate": 100}).replace('"bot_actions"', '"bot_actions.py"'))
    (tmp_path / "bot_actions.py").write_text((Path(__file__).parent / "bot_actions.py").read_text())
    done = subprocess.run(
        [sys.executable, "-m", "rtvi_core.cli", "run", str(bot), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 1
    assert (
        f"{bot}: rtvi.pipeline.audio_out_sample_rate: expected a value greater than or equal to 8000, got 100"
    ) in done.stderr


def test_a_transport_rate_out_of_range_is_refused_by_name() -> None:
    registry = PluginManager(autoload=True, allow=["websocket"]).registry
    with pytest.raises(BotFileError) as refused:
        load_bot_text(bot_text(audio_out_sample_rate=96000), file="bot.toml", base_dir=HERE, registry=registry)
    assert str(refused.value) == (
        "bot.toml: transport.audio_out_sample_rate: transport plugin 'websocket': "
        "expected a value less than or equal to 48000, got 96000"
    )
