"""Cloud providers on loopback for the calls benchmark: Deepgram, Cartesia and an OpenAI-style LLM.

One process serves all three, speaking each provider's documented wire protocol with
realistic pacing, so both frameworks' real clients (Pipecat's ``DeepgramSTTService`` on the
``deepgram-sdk``, its ``CartesiaTTSService`` and ``OpenAILLMService``; rtvi_core's plugins)
talk to it unchanged through their base URL settings:

* ``ws://HOST:WS_PORT/v1/listen`` — Deepgram live transcription. Speech is told from silence
  by the audio's peak level; while the caller speaks an interim ``Results`` goes out every
  ``INTERIM_SECS`` of audio, a final one (``is_final``/``speech_final``) after ``endpointing``
  ms of silence or on ``Finalize``, then ``UtteranceEnd``; ``SpeechStarted`` with
  ``vad_events``; ``KeepAlive`` is accepted, ``CloseStream`` answers ``Metadata`` and closes.
* ``ws://HOST:WS_PORT/tts/websocket`` — Cartesia TTS: one generation per ``context_id``,
  ``timestamps`` for each transcript's words, then ``chunk`` messages of PCM at the requested
  rate sent ``TTS_SPEEDUP`` times faster than real time (word times count from the context's
  start, as Cartesia's do), ``flush_done`` once what came before a ``flush`` is spoken, ``done``
  once a context is closed (``continue: false``) and spoken; ``{"cancel": true}`` stops a
  context at once.
* ``http://HOST:HTTP_PORT/v1/chat/completions`` — streaming chat completions (SSE), a fixed
  reply at ``LLM_TOKENS_PER_SEC``, usage in the last chunk when asked.

Usage: ``python fakes.py`` prints ``{"ws_port": P, "http_port": Q}`` on one line once both
listen, then serves until SIGTERM. Standard library, ``websockets`` and ``numpy``.
"""

from __future__ import annotations

import asyncio
import base64
import json
import math
import signal
import struct
import time
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

#: Deepgram: an interim result per this much of the caller's audio.
INTERIM_SECS = 0.25
#: Deepgram: a peak above this (of 32767) is speech.
SPEECH_PEAK = 1500
#: What the fake "hears" in each utterance (interim results grow word by word).
HEARD = [
    "what",
    "is",
    "the",
    "weather",
    "like",
    "in",
    "paris",
    "today",
    "and",
    "should",
    "i",
    "bring",
    "an",
    "umbrella",
]
#: Cartesia: audio per character of text, and how much faster than real time it is sent.
TTS_SECS_PER_CHAR = 0.06
TTS_SPEEDUP = 4.0
TTS_CHUNK_SECS = 0.1
#: The LLM's answer and its pace.
REPLY = "Sure. It looks mild in Paris today, with light rain later. Bring a small umbrella."
LLM_TOKENS_PER_SEC = 50.0


# -- Deepgram ------------------------------------------------------------------------------------


class Listening:
    """One Deepgram live-transcription socket."""

    def __init__(self, ws: ServerConnection, query: dict[str, str]) -> None:
        self.ws = ws
        self.rate = int(query.get("sample_rate", "16000"))
        self.interim = query.get("interim_results", "false") == "true"
        self.endpointing = float(query.get("endpointing", "10")) / 1000
        self.utterance_end = float(query["utterance_end_ms"]) / 1000 if "utterance_end_ms" in query else None
        self.vad_events = query.get("vad_events", "false") == "true"
        self.request_id = str(uuid.uuid4())
        self.audio_secs = 0.0  # audio received so far
        self.speech_from: float | None = None  # audio time the current utterance began
        self.voiced_at = 0.0  # audio time of the last speech
        self.next_interim = 0.0
        self.words = 0

    async def run(self) -> None:
        async for message in self.ws:
            if isinstance(message, bytes):
                await self.audio(message)
                continue
            kind = json.loads(message).get("type")
            if kind == "Finalize":
                await self.final(from_finalize=True)
            elif kind == "CloseStream":
                await self.send(self.metadata())
                await self.ws.close()
                return

    async def audio(self, pcm: bytes) -> None:
        samples = np.frombuffer(pcm[: len(pcm) // 2 * 2], dtype="<i2")
        start, self.audio_secs = self.audio_secs, self.audio_secs + len(samples) / self.rate
        if samples.size and int(np.abs(samples).max()) > SPEECH_PEAK:
            self.voiced_at = self.audio_secs
            if self.speech_from is None:
                self.speech_from, self.next_interim, self.words = start, start + INTERIM_SECS, 0
                if self.vad_events:
                    await self.send({"type": "SpeechStarted", "channel": [0, 1], "timestamp": start})
        if self.speech_from is None:
            return
        if self.audio_secs - self.voiced_at >= self.endpointing:
            await self.final(from_finalize=False)
        elif self.interim and self.audio_secs >= self.next_interim:
            self.next_interim += INTERIM_SECS
            self.words = min(len(HEARD), self.words + 1)
            await self.send(self.results(HEARD[: self.words], is_final=False))

    async def final(self, *, from_finalize: bool) -> None:
        heard = HEARD if self.speech_from is not None else []
        self.speech_from = None
        await self.send(self.results(heard, is_final=True, from_finalize=from_finalize))
        if heard and self.utterance_end is not None:
            await self.send({"type": "UtteranceEnd", "channel": [0, 1], "last_word_end": self.voiced_at})

    def results(self, words: list[str], *, is_final: bool, from_finalize: bool = False) -> dict[str, Any]:
        begin = self.speech_from if self.speech_from is not None else max(0.0, self.voiced_at - 1.0)
        step = max(0.05, (self.audio_secs - begin) / max(1, len(words)))
        timed = [
            {
                "word": word,
                "start": begin + i * step,
                "end": begin + (i + 1) * step,
                "confidence": 0.98,
                "punctuated_word": word,
            }
            for i, word in enumerate(words)
        ]
        return {
            "type": "Results",
            "channel_index": [0, 1],
            "duration": self.audio_secs - begin,
            "start": begin,
            "is_final": is_final,
            "speech_final": is_final and not from_finalize,
            "from_finalize": from_finalize,
            "channel": {"alternatives": [{"transcript": " ".join(words), "confidence": 0.98, "words": timed}]},
            "metadata": {
                "request_id": self.request_id,
                "model_info": {"name": "fake-nova", "version": "1", "arch": "fake"},
                "model_uuid": "00000000-0000-0000-0000-000000000000",
            },
        }

    def metadata(self) -> dict[str, Any]:
        return {
            "type": "Metadata",
            "transaction_key": "deprecated",
            "request_id": self.request_id,
            "sha256": "0" * 64,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
            "duration": self.audio_secs,
            "channels": 1,
            "models": ["00000000-0000-0000-0000-000000000000"],
            "model_info": {
                "00000000-0000-0000-0000-000000000000": {"name": "fake-nova", "version": "1", "arch": "fake"}
            },
        }

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(message))


# -- Cartesia ------------------------------------------------------------------------------------

_chunks: dict[int, str] = {}


def tts_chunk(rate: int) -> str:
    """``TTS_CHUNK_SECS`` of a soft vowel-like tone at ``rate``, base64 (made once per rate)."""
    if rate not in _chunks:
        n = int(rate * TTS_CHUNK_SECS)
        pcm = struct.pack(f"<{n}h", *(int(6000 * math.sin(2 * math.pi * 180 * i / rate)) for i in range(n)))
        _chunks[rate] = base64.b64encode(pcm).decode()
    return _chunks[rate]


class Speaking:
    """One Cartesia TTS socket: contexts generate concurrently, each in order."""

    def __init__(self, ws: ServerConnection) -> None:
        self.ws = ws
        self.contexts: dict[str, asyncio.Queue[dict[str, Any] | None]] = {}
        self.tasks: dict[str, asyncio.Task[None]] = {}

    async def run(self) -> None:
        try:
            async for message in self.ws:
                request = json.loads(message)
                context = str(request.get("context_id", ""))
                if request.get("cancel"):
                    task = self.tasks.pop(context, None)
                    self.contexts.pop(context, None)
                    if task is not None:
                        task.cancel()
                    continue
                queue = self.contexts.get(context)
                if queue is None:
                    queue = self.contexts[context] = asyncio.Queue()
                    self.tasks[context] = asyncio.create_task(self.generate(context, queue))
                queue.put_nowait(request)
                if not request.get("continue", False):
                    queue.put_nowait(None)
        finally:
            for task in self.tasks.values():
                task.cancel()

    async def generate(self, context: str, queue: asyncio.Queue[dict[str, Any] | None]) -> None:
        spoken, flushes = 0.0, 0  # seconds of audio so far (word times count from the context's start)
        try:
            while (request := await queue.get()) is not None:
                text = str(request.get("transcript", ""))
                rate = int(request.get("output_format", {}).get("sample_rate", 24000))
                if text.strip():
                    spoken = await self.speak(context, text, rate, bool(request.get("add_timestamps")), spoken)
                if request.get("flush"):
                    flushes += 1
                    await self.send(
                        {"type": "flush_done", "context_id": context, "flush_done": True, "flush_id": flushes}
                    )
            await self.send({"type": "done", "context_id": context, "done": True, "status_code": 200})
        except ConnectionClosed:
            pass
        finally:
            self.contexts.pop(context, None)
            self.tasks.pop(context, None)

    async def speak(self, context: str, text: str, rate: int, timestamps: bool, offset: float) -> float:
        """Timestamps (from ``offset``), then the audio of ``text``; the context's seconds after it."""
        secs = len(text) * TTS_SECS_PER_CHAR
        if timestamps:
            words = text.split()
            step = secs / len(words)
            stamps = {"words": words, "start": [offset + i * step for i in range(len(words))]}
            stamps["end"] = [offset + (i + 1) * step for i in range(len(words))]
            await self.send({"type": "timestamps", "context_id": context, "word_timestamps": stamps})
        data = tts_chunk(rate)
        for _ in range(max(1, round(secs / TTS_CHUNK_SECS))):
            await self.send({"type": "chunk", "context_id": context, "data": data, "done": False, "status_code": 206})
            await asyncio.sleep(TTS_CHUNK_SECS / TTS_SPEEDUP)
        return offset + secs

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(message))


async def websocket_handler(ws: ServerConnection) -> None:
    assert ws.request is not None
    url = urlsplit(ws.request.path)
    query = {key: values[-1] for key, values in parse_qs(url.query).items()}
    try:
        if url.path == "/v1/listen":
            await Listening(ws, query).run()
        elif url.path == "/tts/websocket":
            await Speaking(ws).run()
        else:
            await ws.close(4004, f"no such endpoint {url.path}")
    except ConnectionClosed:
        pass


# -- the LLM (OpenAI chat completions, streamed) -------------------------------------------------


async def chat(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """HTTP/1.1 keep-alive: each ``POST /v1/chat/completions`` is answered as an SSE stream."""
    try:
        while head := await reader.readuntil(b"\r\n\r\n"):
            lines = head.decode("latin-1").split("\r\n")
            headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
            body = json.loads(await reader.readexactly(int(headers.get("content-length", "0"))) or b"{}")
            if not lines[0].startswith("POST ") or "/chat/completions" not in lines[0]:
                writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                continue
            await stream_reply(writer, body)
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def stream_reply(writer: asyncio.StreamWriter, body: dict[str, Any]) -> None:
    writer.write(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n"
        b"Cache-Control: no-cache\r\n\r\n"
    )
    ident, created, model = f"chatcmpl-{uuid.uuid4().hex[:12]}", int(time.time()), body.get("model", "fake")

    def event(delta: dict[str, Any], finish: str | None = None, usage: dict[str, int] | None = None) -> None:
        chunk: dict[str, Any] = {
            "id": ident,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}] if usage is None else [],
        }
        if usage is not None:
            chunk["usage"] = usage
        data = f"data: {json.dumps(chunk)}\n\n".encode()
        writer.write(b"%x\r\n%s\r\n" % (len(data), data))

    event({"role": "assistant", "content": ""})
    tokens = REPLY.split(" ")
    for i, token in enumerate(tokens):
        event({"content": token if i == 0 else " " + token})
        await writer.drain()
        await asyncio.sleep(1 / LLM_TOKENS_PER_SEC)
    event({}, "stop")
    if body.get("stream_options", {}).get("include_usage"):
        event({}, usage={"prompt_tokens": 50, "completion_tokens": len(tokens), "total_tokens": 50 + len(tokens)})
    done = b"data: [DONE]\n\n"
    writer.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(done), done))
    await writer.drain()


async def main() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    http = await asyncio.start_server(chat, "127.0.0.1", 0)
    async with serve(websocket_handler, "127.0.0.1", 0, max_size=None, compression=None) as ws_server:
        ports = {"ws_port": ws_server.sockets[0].getsockname()[1], "http_port": http.sockets[0].getsockname()[1]}
        print(json.dumps(ports), flush=True)
        await stop.wait()
    http.close()


if __name__ == "__main__":
    asyncio.run(main())
