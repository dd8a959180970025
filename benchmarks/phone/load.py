"""The callers of the phone_calls benchmark: N concurrent Twilio Media Streams calls.

Standard library only (plus the benchmarks' own ``ws/`` WebSocket client), so the same
load runs against both frameworks. Each call plays Twilio: it connects to ``/ws``, sends
``connected`` and ``start`` (stream and call ids, ``audio/x-mulaw`` at 8000 Hz), then a
``media`` message every 20 ms on an absolute schedule, as Twilio does, all call long: a
spoken question (``rtvi_core/testing/data/weather-question.wav``, 2.1 s, as 8 kHz μ-law),
then silence until the bot has answered and a pause has passed, then the question again;
``stop`` at the end.

Calls join ``callers.STAGGER_SECS`` apart (closer for many calls); only the answers to
questions asked once all have joined count (``callers.Window``). It reads the bot's
outbound ``media`` and measures, per answer (the outbound packets
after a question until none came for ``ANSWER_END_SECS``):

* the **turn latency**: the last question packet sent → the first answer packet read;
* the **lag**: how late the answer's packets arrived against real time: a packet is due
  when the audio before it in the answer has played from the first packet's arrival on
  (first arrival + μ-law bytes so far / 8000); the lag of an answer is its latest packet's
  lateness (about 0 when the bot paces in real time, whatever its packet size);
* **gaps**: the caller's playout running dry for more than ``GAP_SECS`` (a packet arriving
  more than that after the audio before it has finished playing: a break the caller hears).
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import statistics
import sys
import time
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ws"))
from callers import Window, failures, gap_stats, next_packet, on_schedule, percentile_ms, turn_stats
from client import RTVISession, ServerError, frame_head

SPEECH = Path(__file__).resolve().parents[2] / "rtvi_core" / "testing" / "data" / "weather-question.wav"
RATE = 8000
PACKET_SECS = 0.02
PACKET_BYTES = int(RATE * PACKET_SECS)  # 160 μ-law bytes
#: A break in the bot's audio the caller hears.
GAP_SECS = 0.1
#: No outbound packet for this long: the answer is over.
ANSWER_END_SECS = 0.6
#: Silence after an answer before the caller asks again.
PAUSE_SECS = 1.0
#: How long a turn may wait for the bot's first packet.
TURN_TIMEOUT_SECS = 20.0
ACCOUNT_SID = "AC" + "0" * 32


def _ulaw(sample: int) -> int:
    """One 16-bit sample as G.711 μ-law (the reference algorithm; used once, at start)."""
    mask = 0x7F if sample < 0 else 0xFF
    magnitude = min(abs(sample >> 2), 8159) + 33
    segment = next(
        (i for i, end in enumerate((0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF)) if magnitude <= end), 8
    )
    code = 0x7F if segment >= 8 else (segment << 4) | ((magnitude >> (segment + 1)) & 0x0F)
    return code ^ mask


def question_payloads(path: Path = SPEECH) -> list[str]:
    """The question as base64 20 ms packets of 8 kHz μ-law (16 kHz WAV, pairs of samples averaged)."""
    with wave.open(str(path)) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (16000, 1, 2), path
        pcm = memoryview(wav.readframes(wav.getnframes())).cast("h")
    ulaw = bytes(_ulaw((pcm[i] + pcm[i + 1]) // 2) for i in range(0, len(pcm) - 1, 2))
    ulaw += b"\xff" * (-len(ulaw) % PACKET_BYTES)
    return [base64.b64encode(ulaw[i : i + PACKET_BYTES]).decode() for i in range(0, len(ulaw), PACKET_BYTES)]


SILENCE = base64.b64encode(b"\xff" * PACKET_BYTES).decode()
_ids = itertools.count()


class TwilioCall(RTVISession):
    """One call's Media Stream: JSON text frames out, the bot's ``media`` stamped as it arrives."""

    def __init__(self, host: str, port: int, path: str) -> None:
        super().__init__(host, port, path)
        n = next(_ids)
        self.stream_sid, self.call_sid = f"MZ{n:032x}", f"CA{n:032x}"
        self.sequence = 0
        self.chunk = 0
        self.packets: list[tuple[float, int]] = []  # (arrival s, μ-law bytes) of each outbound media
        self.events: dict[str, int] = {}
        self.speech: list[str] = []  # payloads still to speak; silence when empty
        self.spoke_at = 0.0

    def send_event(self, event: str, body: str) -> None:
        self.sequence += 1
        text = f'{{"event":"{event}","sequenceNumber":"{self.sequence}",{body}"streamSid":"{self.stream_sid}"}}'
        self._send_frame(0x1, text.encode())

    def begin(self) -> None:
        self._send_frame(0x1, b'{"event":"connected","protocol":"Call","version":"1.0.0"}')
        start = {
            "accountSid": ACCOUNT_SID,
            "streamSid": self.stream_sid,
            "callSid": self.call_sid,
            "tracks": ["inbound"],
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": RATE, "channels": 1},
            "customParameters": {},
        }
        self.send_event("start", f'"start":{json.dumps(start)},')

    def send_media(self, payload: str) -> None:
        self.chunk += 1
        timestamp = int(self.chunk * PACKET_SECS * 1000)
        media = f'"media":{{"track":"inbound","chunk":"{self.chunk}","timestamp":"{timestamp}","payload":"{payload}"}},'
        self.send_event("media", media)

    def end(self) -> None:
        self.send_event("stop", f'"stop":{{"accountSid":"{ACCOUNT_SID}","callSid":"{self.call_sid}"}},')

    def _on_message(self, frame: bytes, received: int) -> None:
        try:
            message = json.loads(frame)
            event = message["event"]
        except (ValueError, KeyError, TypeError):
            event = "not-json"
        self.events[event] = self.events.get(event, 0) + 1
        if event == "media":
            payload = message.get("media", {}).get("payload", "")
            self.packets.append((received / 1e9, len(payload) * 3 // 4 - payload.count("=", -2)))

    def speak(self) -> None:
        """Send this 20 ms's packet: speech when there is some, else silence."""
        self.send_media(next_packet(self, SILENCE))

    def _send_frame(self, opcode: int, payload: bytes) -> None:
        """A frame masked with the key 0 (valid; the XOR is a no-op, which keeps the load client cheap)."""
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(frame_head(opcode, len(payload)) + b"\0\0\0\0" + payload)


class Microphones:
    """Every call's microphone from one timer: a packet per call every 20 ms, on an absolute
    schedule, the calls spread over ``PHASES`` phases of the 20 ms (one wake-up per phase for
    all its calls, not one per call: the load client stays cheap on the cores it shares)."""

    PHASES = 4

    def __init__(self) -> None:
        self.phases: list[set[TwilioCall]] = [set() for _ in range(self.PHASES)]
        self._joined = itertools.count()

    def add(self, call: TwilioCall) -> None:
        self.phases[next(self._joined) % self.PHASES].add(call)

    def remove(self, call: TwilioCall) -> None:
        for phase in self.phases:
            phase.discard(call)

    async def run(self, stop: asyncio.Event) -> None:
        await on_schedule(PACKET_SECS / self.PHASES, self._tick, stop)

    def _tick(self, index: int) -> None:
        for call in list(self.phases[index % self.PHASES]):
            call.speak()


async def _answer(call: TwilioCall, first: int) -> int:
    """Wait for the answer starting at packet ``first`` to end; the index after its last packet."""
    deadline = time.perf_counter() + TURN_TIMEOUT_SECS
    while len(call.packets) <= first:
        if time.perf_counter() > deadline or call.closed.done():
            return first
        await asyncio.sleep(0.1)
    while not call.closed.done() and time.perf_counter() - call.packets[-1][0] <= ANSWER_END_SECS:
        await asyncio.sleep(0.1)
    return len(call.packets)


def playout(answer: list[tuple[float, int]]) -> tuple[float, int]:
    """An answer's lag (s: its latest packet's lateness against real time) and its gaps."""
    first = answer[0][0]
    played = 0.0  # audio before this packet, s
    playing_until = first  # when the caller's playout runs dry
    lag, gaps = 0.0, 0
    for arrival, size in answer:
        lag = max(lag, arrival - (first + played))
        if arrival - playing_until > GAP_SECS:
            gaps += 1
        playing_until = max(playing_until, arrival) + size / RATE
        played += size / RATE
    return lag, gaps


async def one_call(
    host: str, port: int, window: Window, index: int, question: list[str], microphones: Microphones
) -> dict[str, Any]:
    """Caller ``index`` of ``window``: its answers' latency, gaps and lag in the window, or why it failed."""
    await asyncio.sleep(window.delay(index))
    turns: list[float] = []
    lags: list[float] = []
    gaps, intervals, failed = 0, 0, ""
    call: TwilioCall | None = None
    joined = False
    try:
        call = await TwilioCall.connect(host, port, "/ws")
        assert isinstance(call, TwilioCall)
        call.begin()
        microphones.add(call)
        joined = True
        window.joined()
        while window.going():
            first = len(call.packets)
            asked = time.perf_counter()
            call.speech = list(question)
            end = await _answer(call, first)
            answer = [packet for packet in call.packets[first:end] if packet[0] > call.spoke_at]
            if call.closed.done():
                failed = f"the server closed the stream ({call.close_reason or 'no close frame'})"
                break
            if not answer:
                failed = "no answer"
                break
            if window.counts(asked):
                turns.append(answer[0][0] - call.spoke_at)
                lag, answer_gaps = playout(answer)
                lags.append(lag)
                intervals += len(answer) - 1
                gaps += answer_gaps
            await asyncio.sleep(PAUSE_SECS)
    except (ServerError, OSError, TimeoutError) as exc:
        failed = str(exc) or type(exc).__name__
    finally:
        if not joined:
            window.joined()
        if call is not None:
            microphones.remove(call)
            if not call.closed.done():
                call.end()
            await call.close()
    events = call.events if call is not None else {}
    return {"turns": turns, "lags": lags, "gaps": gaps, "intervals": intervals, "failed": failed, "events": events}


async def run_calls(
    host: str, port: int, calls: int, secs: float, on_open: Callable[[], None] | None = None
) -> dict[str, Any]:
    """``calls`` concurrent calls, measured for ``secs`` once all have joined (``on_open`` runs
    then): turn latency, answer lag and gap rate, failures."""
    question = question_payloads()
    window = Window(calls, secs, on_open)
    microphones, stop = Microphones(), asyncio.Event()
    ticking = asyncio.create_task(microphones.run(stop))
    try:
        results = await asyncio.gather(*(one_call(host, port, window, i, question, microphones) for i in range(calls)))
    finally:
        stop.set()
        await ticking
    lags = [lag for result in results for lag in result["lags"]]
    events: dict[str, int] = {}
    for result in results:
        for name, count in result["events"].items():
            events[name] = events.get(name, 0) + count
    return {
        "calls": calls,
        **turn_stats(results),
        "lag_ms_p50": statistics.median(lags) * 1000 if lags else None,
        "lag_ms_p90": percentile_ms(lags, 0.9),
        "lag_ms_max": max(lags) * 1000 if lags else None,
        **gap_stats(results),
        "outbound_events": events,
        **failures(results),
    }


if __name__ == "__main__":
    host, port, calls, secs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    print(json.dumps(asyncio.run(run_calls(host, port, calls, secs))))
