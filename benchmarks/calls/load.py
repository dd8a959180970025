"""The callers of the calls benchmark: N concurrent voice calls over the WebSocket transport.

Standard library only (plus the benchmarks' own ``ws/`` client), so the same load runs
against both frameworks. Each call connects to ``/ws``, sends ``client-ready``, then streams
its microphone in real time, 20 ms frames without a break, as a phone or a browser does:
a spoken question (``rtvi_core/testing/data/weather-question.wav``, 2.1 s), then silence
until the bot has answered and a pause has passed, then the question again.

Per turn it records the **turn latency** (the last frame of speech sent → the first frame of
bot audio read) and the bot audio's arrival: every gap of more than ``GAP_SECS`` between two
bot audio frames of one answer is a **gap** (the caller hears a break). Calls join
``STAGGER_SECS`` apart (closer for many calls), so their turns do not line up; only the
turns asked once all have joined count (``callers.Window``).
"""

from __future__ import annotations

import asyncio
import collections
import json
import sys
import time
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ws"))
import itertools

from callers import Window, failures, gap_stats, next_packet, on_schedule, turn_stats
from client import ServerError, http_request
from voice_session import FRAME_SAMPLES, FRAME_SECS, VoiceSession
from wire import decode_message

SPEECH = Path(__file__).resolve().parents[2] / "rtvi_core" / "testing" / "data" / "weather-question.wav"
#: A break in the bot's audio the caller hears.
GAP_SECS = 0.1
#: Silence after the bot's answer before the caller speaks again.
PAUSE_SECS = 1.0
#: How long a turn may wait for the bot's first audio, and for its answer to end.
TURN_TIMEOUT_SECS = 20.0


def speech_frames(path: Path = SPEECH) -> list[bytes]:
    """The question as 20 ms frames of 16 kHz mono PCM."""
    with wave.open(str(path)) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (16000, 1, 2), path
        pcm = wav.readframes(wav.getnframes())
    step = FRAME_SAMPLES * 2
    pcm += bytes(-len(pcm) % step)
    return [pcm[i : i + step] for i in range(0, len(pcm), step)]


class Caller(VoiceSession):
    """One call: a microphone that never stops, and the bot's audio stamped as it arrives."""

    def __init__(self, host: str, port: int, path: str) -> None:
        super().__init__(host, port, path)
        self.audio_at: list[float] = []  # arrival (s, perf_counter) of each bot audio frame
        self.speech: list[bytes] = []  # frames still to speak; silence when empty
        self.spoke_at = 0.0  # when the last speech frame was sent

    def _on_message(self, frame: bytes, received: int) -> None:
        if decode_message(frame) is None:
            self.audio_at.append(received / 1e9)
        super()._on_message(frame, received)

    async def microphone(self, stop: asyncio.Event) -> None:
        """20 ms frames on an absolute schedule until ``stop``: speech when there is some, else silence."""
        silence = bytes(FRAME_SAMPLES * 2)
        await on_schedule(FRAME_SECS, lambda _: self.send_audio(next_packet(self, silence)), stop)


async def session_address(host: str, port: int) -> tuple[str, int, str]:
    """Where ``POST /start`` on ``host:port`` sends a client: the host, port and path (with
    the token) of its ``wsUrl`` (a cluster's gateway answers with one of its workers)."""
    status, body = await http_request(host, port, "POST", "/start", {})
    if status != 200:
        raise ServerError(f"POST /start: {status} {body[:200]!r}")
    answer = json.loads(body)
    url = urlsplit(answer["wsUrl"])
    query = url.query
    if answer.get("token") and "token=" not in query:
        query = "&".join(filter(None, (query, f"token={answer['token']}")))
    return url.hostname or host, url.port or port, url.path + (f"?{query}" if query else "")


async def one_call(
    host: str, port: int, window: Window, index: int, question: list[bytes], via_start: bool = False
) -> dict[str, Any]:
    """Caller ``index`` of ``window``: its turns' latencies and gaps in the window, or why it failed.

    ``via_start``: ask ``POST /start`` where to connect (a cluster's gateway), else ``/ws`` on ``host:port``.
    """
    await asyncio.sleep(window.delay(index))
    turns: list[float] = []
    gaps, intervals, failed = 0, 0, ""
    caller: Caller | None = None
    stop = asyncio.Event()
    mic: asyncio.Task[None] | None = None
    joined = False
    worker = ""
    try:
        address = await session_address(host, port) if via_start else (host, port, "/ws")
        worker = f"{address[0]}:{address[1]}"
        caller = await Caller.connect(*address)
        assert isinstance(caller, Caller)
        await caller.ready()
        mic = asyncio.create_task(caller.microphone(stop))
        joined = True
        window.joined()
        while window.going():
            mark = caller.mark("bot-stopped-speaking")
            heard = len(caller.audio_at)
            asked = time.perf_counter()
            caller.speech = list(question)
            await caller.wait_for("bot-stopped-speaking", mark, TURN_TIMEOUT_SECS + len(question) * FRAME_SECS)
            if caller.spoke_at < asked:
                failed = "the bot answered before the question was over"
                break
            answer = [t for t in caller.audio_at[heard:] if t > caller.spoke_at]
            if not answer:
                failed = "an answer without audio"
                break
            if window.counts(asked):
                turns.append(answer[0] - caller.spoke_at)
                intervals += len(answer) - 1
                gaps += sum(1 for a, b in itertools.pairwise(answer) if b - a > GAP_SECS)
            await asyncio.sleep(PAUSE_SECS)
    except (ServerError, OSError, TimeoutError) as exc:
        failed = str(exc) or type(exc).__name__
    finally:
        if not joined:
            window.joined()
        stop.set()
        if mic is not None:
            await mic
        if caller is not None:
            await caller.close()
    return {"turns": turns, "gaps": gaps, "intervals": intervals, "failed": failed, "worker": worker}


async def run_calls(
    host: str,
    port: int,
    calls: int,
    secs: float,
    on_open: Callable[[], None] | None = None,
    *,
    via_start: bool = False,
) -> dict[str, Any]:
    """``calls`` concurrent calls, measured for ``secs`` once all have joined (``on_open`` runs
    then): turn latency p50/p90, gap rate, failures, and the calls each server address took
    (``via_start``: each call asks ``POST /start`` where to connect)."""
    question = speech_frames()
    window = Window(calls, secs, on_open)
    results = await asyncio.gather(*(one_call(host, port, window, i, question, via_start) for i in range(calls)))
    spread = collections.Counter(result["worker"] for result in results)
    return {"calls": calls, **turn_stats(results), **gap_stats(results), **failures(results), "calls_by_server": spread}


if __name__ == "__main__":
    host, port, calls, secs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    print(json.dumps(asyncio.run(run_calls(host, port, calls, secs))))
