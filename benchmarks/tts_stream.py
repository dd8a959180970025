"""How soon, and how smoothly, the bot speaks a streamed reply: at the client, over WebSocket.

``python3 benchmarks/tts_stream.py [--runs 5] [--token-delay 0.03] [--bot FILE]``

A bot (WebSocket transport, the echo LLM streaming its words ``--token-delay`` s apart,
Piper ``joe``; no VAD, no STT) is served in this process on a loopback port. A client
built like the speech tests' (``tests/voice/voice_support.py``: protobuf, stamps every
frame it reads) sends ``send-text`` replies of several sentences and measures, per turn:

* ``first_audio``: first ``bot-llm-text`` (the LLM's first token) → first bot audio frame;
* ``gaps``: the silence a client playing the frames as they arrive would insert between
  the first and the last audio frame of the reply (a frame that arrives after the previous
  audio ran out leaves a gap), its total and its longest.

Prints one JSON object: per-turn figures and the medians. Extra ``[tts]`` keys for the bot
file come as ``--tts key=value`` (TOML values).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import anyio

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "voice"))

#: Replies of varied shape, as an LLM opens them: a long first sentence with a clause,
#: an interjection, a list, a question, a short sentence.
REPLIES = (
    "The train to the airport leaves every fifteen minutes from platform three, and the ride "
    "takes about forty minutes. Tickets cost twelve dollars at the machine.",
    "Sure, I can help with that. On a quiet morning the drive to Boston takes a little under "
    "four hours, but on a Friday afternoon it can easily take six.",
    "The museum opens at nine in the morning on weekdays and at ten on weekends; the last "
    "entry is an hour before closing. Would you like me to book tickets?",
    "Once upon a time, a small grey cat lived above a bakery in a quiet town. Every morning "
    "she followed the smell of fresh bread down the stairs.",
    "I have set a reminder for tomorrow at six in the evening: call your sister. I will remind "
    "you again an hour later if you have not called her by then.",
    "A large coffee costs three dollars and fifty cents here, or three twenty with your own "
    "cup. The small one is two dollars.",
)

BOT = """\
[bot]
name = "tts-stream"
speak_first = false

[transport]
use = "websocket"

[llm]
use = "echo"
fallback = "{{text}}"
token_delay = {token_delay}

[tts]
use = "piper"
voice = "joe"
{tts_keys}
"""


def _bot_text(token_delay: float, tts_keys: list[str]) -> str:
    return BOT.format(token_delay=token_delay, tts_keys="\n".join(tts_keys))


def playback_gaps(frames: list[tuple[float, float]]) -> tuple[float, float]:
    """Total and longest silence when ``(arrival, seconds)`` frames play as they arrive."""
    total = longest = 0.0
    ends = None
    for at, seconds in frames:
        if ends is not None and at > ends:
            gap = at - ends
            total += gap
            longest = max(longest, gap)
        ends = max(ends or at, at) + seconds
    return total, longest


DEBUG = bool(__import__("os").environ.get("TTS_STREAM_DEBUG"))


def _debug_gaps(received: list[Any], sent: float, until: float) -> None:
    ends = None
    between: list[str] = []
    for item in received:
        if not sent < item.at <= until:
            continue
        if item.type != "audio":
            between.append(item.type)
            continue
        if ends is not None and item.at > ends + 0.004:
            print(f"gap {1000 * (item.at - ends):.1f} ms after {between}", file=sys.stderr)
        between = []
        ends = max(ends or item.at, item.at) + len(item.data.audio) / (2 * item.data.sample_rate)


async def run(runs: int, token_delay: float, tts_keys: list[str]) -> dict[str, Any]:
    from rtvi_websocket.protobuf import PbAudioRawFrame  # noqa: F401 - fails early if missing
    from voice_support import VoiceClient, _has  # noqa: F401
    from websockets.asyncio.client import connect

    from rtvi_core.config.loader import load_bot_text
    from rtvi_core.plugins.manager import PluginManager
    from rtvi_core.server.testing import loopback_server
    from rtvi_core.serving import SessionFactory

    manager = PluginManager(autoload=True, allow=["websocket", "piper"])
    config = load_bot_text(_bot_text(token_delay, tts_keys), file="tts-stream.toml", registry=manager.registry)
    factory = SessionFactory(config, manager)
    await anyio.to_thread.run_sync(lambda: list(factory.preload()))
    turns: list[dict[str, float]] = []
    async with loopback_server(factory) as server:
        async with connect(f"ws://127.0.0.1:{server.port}/ws", max_size=None) as ws:
            client = VoiceClient(ws)
            async with anyio.create_task_group() as group:
                group.start_soon(client._read)
                await client.ready()
                replies = [REPLIES[0], *(REPLIES[i % len(REPLIES)] for i in range(runs))]  # one warm-up
                for index, reply in enumerate(replies):
                    sent = time.perf_counter()
                    await client.send("send-text", {"content": reply, "options": {"run_immediately": True}})
                    token = await client.wait_for("bot-llm-text", after=sent, timeout=30)
                    await client.wait_for("bot-llm-stopped", after=sent, timeout=60)
                    stopped = await client.wait_for("bot-stopped-speaking", after=sent, timeout=60)
                    audio = [i for i in client.received if i.type == "audio" and sent < i.at <= stopped.at]
                    frames = [(i.at, len(i.data.audio) / (2 * i.data.sample_rate)) for i in audio]
                    total, longest = playback_gaps(frames)
                    if DEBUG:
                        _debug_gaps(client.received, sent, stopped.at)
                    if index:
                        turns.append(
                            {
                                "first_audio_ms": round((audio[0].at - token.at) * 1000, 1),
                                "gaps_total_ms": round(total * 1000, 1),
                                "gap_longest_ms": round(longest * 1000, 1),
                                "audio_s": round(sum(s for _, s in frames), 2),
                            }
                        )
                    await anyio.sleep(0.3)
                group.cancel_scope.cancel()
    keys = turns[0].keys() if turns else ()
    return {
        "runs": runs,
        "token_delay": token_delay,
        "tts": tts_keys,
        "turns": turns,
        "median": {key: round(statistics.median(t[key] for t in turns), 1) for key in keys},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--token-delay", type=float, default=0.03)
    parser.add_argument("--tts", action="append", default=[], help="an extra [tts] key: key=value (TOML)")
    args = parser.parse_args()
    result = anyio.run(run, args.runs, args.token_delay, args.tts)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
