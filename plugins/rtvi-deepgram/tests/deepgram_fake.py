"""A fake of Deepgram's live ``listen`` API on 127.0.0.1, written from Deepgram's API reference.

A real ``websockets`` server: ``GET /v1/listen`` upgraded to a WebSocket, the key in
``Authorization: Token <key>``, the stream's settings in the query (checked as the
real API does: a bad key is a 401, bad settings a 400, both with ``dg-error`` and a
JSON body). Binary messages are linear16 audio; text messages the controls
``KeepAlive``, ``Finalize`` and ``CloseStream``. It answers with ``Results``
(``is_final``, ``speech_final``, ``from_finalize``, ``start``, ``duration``,
``channel.alternatives[0].transcript``), ``SpeechStarted``, ``UtteranceEnd`` and
``Metadata``, as the reference describes them.

It does not recognize speech: :class:`ScriptedRecognizer` matches the loudness
envelope of the audio against the clips of :mod:`rtvi_core.testing.speech` and
answers with the matching clip's text (none for silence, noise or a blip). Interim
results come every 250 ms of audio with voice in it (the words so far, in proportion),
a final one after ``endpointing`` ms of silence following speech, on ``Finalize``
and on ``CloseStream``.

``fake.fail(Fault(...))`` makes the next stream(s) fail: a refused upgrade (any
status, headers, body), a silent server, a drop or a
close after some messages, raw messages sent before the first answer, a
``Finalize`` never answered, every final result sent twice, or a drop on ``CloseStream``.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from rtvi_core.testing.speech import load_speech

API_KEY = "dg-test-key"
MODELS = frozenset({"nova-3", "nova-3-general", "nova-2", "nova-2-general", "nova-2-phonecall"})

#: Loudness analysis: 10 ms windows; a window is voiced above this RMS.
_WINDOW_SECS = 0.01
_VOICED_RMS = 500.0
#: Envelopes match when their correlation is at least this.
_MATCH = 0.7
_INTERIM_EVERY_SECS = 0.25


def _envelope(samples: np.ndarray, rate: int) -> np.ndarray:
    """RMS per 10 ms window."""
    size = max(1, int(rate * _WINDOW_SECS))
    count = len(samples) // size
    windows = samples[: count * size].astype(np.float64).reshape(count, size)
    return np.sqrt((windows**2).mean(axis=1)) if count else np.zeros(0)


def _voiced(envelope: np.ndarray) -> tuple[int, int] | None:
    """First and last voiced window, or None."""
    loud = np.nonzero(envelope > _VOICED_RMS)[0]
    return (int(loud[0]), int(loud[-1])) if len(loud) else None


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    best = -1.0
    for shift in range(-8, 9):
        x, y = (a[shift:], b) if shift >= 0 else (a, b[-shift:])
        n = min(len(x), len(y))
        if n < 10 or x[:n].std() < 0.1 or y[:n].std() < 0.1:
            continue
        best = max(best, float(np.corrcoef(x[:n], y[:n])[0, 1]))
    return best


#: The clips the fake tells apart: the questions its tests speak. (Not every clip of the test
#: kit: "report-after-a-pause", which starts with "Please", matched the first 250 ms of the
#: weather question better than the question itself, and an interim said "Please".)
RECOGNIZED_CLIPS = ("weather-question", "interrupt")


class ScriptedRecognizer:
    """Gives the text of the known clip whose loudness envelope the audio matches."""

    def __init__(self) -> None:
        self.clips: list[tuple[str, np.ndarray]] = []
        for name in RECOGNIZED_CLIPS:
            clip = load_speech(name)
            envelope = _envelope(np.frombuffer(clip.pcm, dtype="<i2"), clip.sample_rate)
            span = _voiced(envelope)
            assert span is not None
            self.clips.append((clip.text, np.log10(envelope[span[0] : span[1] + 1] + 1)))

    def hear(self, envelope: np.ndarray, final: bool) -> str:
        """The words heard in ``envelope`` (voiced part); all of a clip's when ``final``."""
        span = _voiced(envelope)
        if span is None:
            return ""
        heard = np.log10(envelope[span[0] : span[1] + 1] + 1)
        best, best_score = "", _MATCH
        for text, reference in self.clips:
            if final and not 0.75 <= len(heard) / len(reference) <= 1.33:
                continue
            score = _correlation(heard, reference[: len(heard)] if not final else reference)
            if score >= best_score:
                words = text.split()
                count = (
                    len(words) if final else max(1, min(len(words), round(len(words) * len(heard) / len(reference))))
                )
                best, best_score = " ".join(words[:count]), score
        return best


@dataclass
class Fault:
    """How the next stream fails (see the module)."""

    status: int | None = None  # refuse the upgrade with this status
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    silent: bool = False  # accept, then never send anything
    drop_after: int | None = None  # send this many messages, then drop the TCP connection
    close_after: int | None = None  # send this many messages, then close with close_code
    close_code: int = 1011
    close_reason: str = "NET-0000"
    inject: list[str | bytes] = field(default_factory=list)  # sent before the first answer
    ignore_finalize: bool = False  # never answer Finalize
    repeat_finals: bool = False  # send every final result twice
    drop_on_close: bool = False  # drop the TCP connection on CloseStream, answering nothing


@dataclass
class StreamRecord:
    """What one stream received."""

    query: dict[str, list[str]]
    headers: dict[str, str]
    controls: list[str] = field(default_factory=list)
    audio_bytes: int = 0
    audio_messages: list[int] = field(default_factory=list)  # the size of each audio message
    sequence: list[str] = field(default_factory=list)  # "audio" and the controls, in arrival order
    closed_by_client: bool = False


class _Stream:
    """One live stream's recognition state."""

    def __init__(self, fake: FakeDeepgram, ws: ServerConnection, record: StreamRecord, fault: Fault | None) -> None:
        self.fake = fake
        self.ws = ws
        self.record = record
        self.fault = fault
        query = {key: values[-1] for key, values in record.query.items()}
        self.rate = int(query["sample_rate"])
        self.interim_results = query.get("interim_results", "false") == "true"
        endpointing = query.get("endpointing", "10")
        self.endpointing_windows = None if endpointing == "false" else max(1, int(endpointing) // 10)
        self.utterance_end = int(query["utterance_end_ms"]) / 1000 if "utterance_end_ms" in query else None
        self.vad_events = query.get("vad_events") == "true"
        self.buffer = bytearray()  # audio since the last final result
        self.utterance = bytearray()  # audio of the utterance in progress
        self.done = 0  # its words already in final results
        self.offset = 0.0  # stream time where the buffer starts
        self.since_interim = 0
        self.speech_reported = False
        self.last_word_end: float | None = None  # for UtteranceEnd
        self.sent = 0
        self.request_id = str(uuid.uuid4())

    @property
    def buffered_secs(self) -> float:
        return len(self.buffer) / (2 * self.rate)

    async def send(self, message: dict[str, Any] | str | bytes) -> None:
        fault = self.fault
        if fault is not None and fault.silent:
            return
        if fault is not None and fault.inject and self.sent == 0:
            for raw in fault.inject:
                await self.ws.send(raw)
        if fault is not None and fault.drop_after is not None and self.sent >= fault.drop_after:
            self.ws.transport.abort()
            raise ConnectionClosed(None, None)
        if fault is not None and fault.close_after is not None and self.sent >= fault.close_after:
            await self.ws.close(fault.close_code, fault.close_reason)
            raise ConnectionClosed(None, None)
        self.sent += 1
        await self.ws.send(message if isinstance(message, (str, bytes)) else json.dumps(message))

    def results(
        self, text: str, *, is_final: bool, speech_final: bool = False, from_finalize: bool = False
    ) -> dict[str, Any]:
        duration = round(self.buffered_secs, 3)
        return {
            "type": "Results",
            "channel_index": [0, 1],
            "duration": duration,
            "start": round(self.offset, 3),
            "is_final": is_final,
            "speech_final": speech_final,
            "from_finalize": from_finalize,
            "channel": {"alternatives": [{"transcript": text, "confidence": 0.98 if text else 0.0, "words": []}]},
            "metadata": {"request_id": self.request_id, "model_info": {"name": "fake"}, "model_uuid": "fake"},
        }

    def envelope(self) -> np.ndarray:
        return _envelope(np.frombuffer(bytes(self.buffer[: len(self.buffer) // 2 * 2]), dtype="<i2"), self.rate)

    def words(self, final: bool, end: bool = False) -> str:
        """The utterance's words not finalized yet; with ``final``, they count as finalized.

        An utterance runs from its first voiced audio across endpointed segments until
        its clip is heard whole or ``end`` (a Finalize, CloseStream or a long silence).
        """
        envelope = _envelope(np.frombuffer(bytes(self.utterance), dtype="<i2"), self.rate)
        whole = self.fake.recognizer.hear(envelope, final=True) if final else ""
        heard = (whole or self.fake.recognizer.hear(envelope, final=False)).split()
        text = " ".join(heard[self.done :])
        if final:
            self.done = len(heard)
            if whole or end:
                self.utterance.clear()
                self.done = 0
        return text

    async def audio(self, data: bytes) -> None:
        self.record.audio_bytes += len(data)
        self.record.audio_messages.append(len(data))
        self.record.sequence.append("audio")
        self.buffer += data
        self.utterance += data
        self.since_interim += len(data)
        envelope = self.envelope()
        span = _voiced(envelope)
        now = self.offset + self.buffered_secs
        if span is None:
            if len(self.utterance) > 2 * self.rate * 2:  # over 2 s without voice: the utterance is over
                self.words(final=True, end=True)
            gap = None if self.last_word_end is None else now - self.last_word_end
            if self.utterance_end is not None and gap is not None and gap >= self.utterance_end:
                await self.send({"type": "UtteranceEnd", "channel": [0, 1], "last_word_end": self.last_word_end})
                self.last_word_end = None
            return
        if self.vad_events and not self.speech_reported:
            self.speech_reported = True
            await self.send(
                {"type": "SpeechStarted", "channel": [0], "timestamp": self.offset + span[0] * _WINDOW_SECS}
            )
        if self.endpointing_windows is not None and len(envelope) - 1 - span[1] >= self.endpointing_windows:
            await self.final(speech_final=True)
            return
        if self.interim_results and self.since_interim >= _INTERIM_EVERY_SECS * self.rate * 2:
            self.since_interim = 0
            text = self.words(final=False)
            if text:
                await self.send(self.results(text, is_final=False))

    async def final(self, *, speech_final: bool = False, from_finalize: bool = False, end: bool = False) -> None:
        span = _voiced(self.envelope())
        text = self.words(final=True, end=end)
        results = self.results(text, is_final=True, speech_final=speech_final, from_finalize=from_finalize)
        for _ in range(2 if self.fault is not None and self.fault.repeat_finals else 1):
            await self.send(results)
        if text and span is not None:
            self.last_word_end = self.offset + (span[1] + 1) * _WINDOW_SECS
        self.offset += self.buffered_secs
        self.buffer.clear()
        self.since_interim = 0
        self.speech_reported = False

    async def control(self, text: str) -> bool:
        """Handle a text message; False when the stream is to end."""
        try:
            kind = json.loads(text).get("type")
        except (ValueError, AttributeError):
            kind = None
        self.record.controls.append(kind if isinstance(kind, str) else f"unknown: {text[:50]}")
        self.record.sequence.append(self.record.controls[-1])
        ignored = self.fault is not None and self.fault.ignore_finalize
        if kind == "Finalize" and self.buffer and not ignored:
            await self.final(from_finalize=True, end=True)
        elif kind == "CloseStream":
            self.record.closed_by_client = True
            if self.fault is not None and self.fault.drop_on_close:
                self.ws.transport.abort()
                return False
            if self.buffer:
                await self.final(end=True)
            metadata = {"type": "Metadata", "request_id": self.request_id, "duration": self.offset, "channels": 1}
            await self.send(metadata)
            return False
        return True


class FakeDeepgram:
    """The fake service; ``url`` is its ``base_url``."""

    def __init__(self, api_key: str | None = API_KEY) -> None:
        self.api_key = api_key
        self.recognizer = ScriptedRecognizer()
        self.streams: list[StreamRecord] = []
        self.faults: list[Fault] = []
        self.url = ""
        self.upgrades = 0  # upgrade requests, refused ones included

    def fail(self, fault: Fault, times: int = 1) -> None:
        """Apply ``fault`` to the next ``times`` upgrade requests."""
        self.faults += [fault] * times

    def _refuse(self, connection: ServerConnection, status: int, code: str, message: str) -> Response:
        body = json.dumps({"err_code": code, "err_msg": message, "request_id": str(uuid.uuid4())})
        response = connection.respond(status, body)
        response.headers["dg-error"] = message
        response.headers["Content-Type"] = "application/json"
        return response

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        self.upgrades += 1
        fault = self.faults[0] if self.faults else None
        if fault is not None and fault.status is not None:
            self.faults.pop(0)
            response = connection.respond(fault.status, fault.body.decode())
            for key, value in fault.headers.items():
                response.headers[key] = value
            return response
        parts = urlsplit(request.path)
        if parts.path != "/v1/listen":
            return self._refuse(connection, 404, "NOT_FOUND", f"no such path {parts.path}")
        if self.api_key is not None and request.headers.get("Authorization", "").lower() != f"token {self.api_key}":
            return self._refuse(connection, 401, "INVALID_AUTH", "Invalid credentials.")
        problem = self._check_query(parse_qs(parts.query))
        if problem:
            return self._refuse(connection, 400, "Bad Request", problem)
        return None

    @staticmethod
    def _check_query(query: dict[str, list[str]]) -> str | None:
        one = {key: values[-1] for key, values in query.items()}
        if one.get("model", "nova-3") not in MODELS:
            return "No such model/language/tier combination found."
        if one.get("encoding") != "linear16" or one.get("channels", "1") != "1":
            return "this fake takes mono linear16 audio only"
        rate = one.get("sample_rate", "")
        if not rate.isdigit() or not 8000 <= int(rate) <= 48000:
            return f"bad sample_rate {rate!r}"
        for flag in ("interim_results", "smart_format", "punctuate", "vad_events"):
            if one.get(flag, "false") not in ("true", "false"):
                return f"{flag} must be true or false"
        endpointing = one.get("endpointing", "10")
        if endpointing != "false" and not endpointing.isdigit():
            return f"bad endpointing {endpointing!r}"
        if "utterance_end_ms" in one and one.get("interim_results") != "true":
            return "utterance_end_ms requires interim_results=true"
        return None

    async def _handle(self, ws: ServerConnection) -> None:
        assert ws.request is not None
        fault = self.faults.pop(0) if self.faults else None
        headers = {key.lower(): value for key, value in ws.request.headers.raw_items()}
        record = StreamRecord(parse_qs(urlsplit(ws.request.path).query), headers)
        self.streams.append(record)
        stream = _Stream(self, ws, record, fault)
        try:
            async for message in ws:
                if isinstance(message, bytes):
                    if not message:  # the real API closes a stream on an empty binary message
                        await ws.close(1000)
                        return
                    await stream.audio(message)
                elif not await stream.control(message):
                    return
        except ConnectionClosed:
            return


@asynccontextmanager
async def fake_deepgram(api_key: str | None = API_KEY) -> AsyncIterator[FakeDeepgram]:
    """The fake, listening on a free port of 127.0.0.1 while the block runs."""
    fake = FakeDeepgram(api_key)
    async with serve(fake._handle, "127.0.0.1", 0, process_request=fake._process_request) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        fake.url = f"ws://127.0.0.1:{port}"
        yield fake


@asynccontextmanager
async def unanswering_server() -> AsyncIterator[str]:
    """A TCP server that accepts connections and never says a word: its ``ws://`` URL."""
    held: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    try:
        yield f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        for writer in held:
            writer.close()
        server.close()
